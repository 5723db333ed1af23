public import Hummingbird
public import Logging
import NIOCore

/// Serves a ``FakeXAPI`` over HTTP.
public enum FakeXAPIServer {
    /// A failure to start serving.
    public struct StartError: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// Serves `fake` on `host:port` (port 0 = chosen by the OS) while `body` runs, then stops.
    ///
    /// - Parameter body: Receives the port the server listens on.
    /// - Returns: What `body` returns.
    public static func withRunning<T: Sendable>(
        _ fake: FakeXAPI, host: String = "127.0.0.1", port: Int = 0,
        logger: Logger = Logger(label: "fake-xapi", factory: { _ in SwiftLogNoOpLogHandler() }),
        _ body: (_ port: Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = application(fake, host: host, port: port, logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await app.run()
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let bound = await iterator.next() else {
                try await group.next()
                throw StartError(description: "fake-xapi stopped before it listened on \(host):\(port)")
            }
            return try await body(bound)
        }
    }

    /// The Hummingbird application serving `fake`; `onListening` receives the bound port.
    public static func application(
        _ fake: FakeXAPI, host: String, port: Int, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: fake.makeRouter(),
            configuration: .init(address: .hostname(host, port: port), serverName: "fake-xapi"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
