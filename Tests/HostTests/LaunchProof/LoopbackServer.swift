import NIOCore
import NIOPosix
import Testing

/// What a test server does with each connection.
enum LoopbackBehaviour: Sendable {
    /// Writes the text on connect and keeps the connection open.
    case send(String)
    /// Writes the text on connect, then closes.
    case sendThenClose(String)
    /// Accepts and never writes.
    case silent
    /// Closes as soon as the connection is up.
    case closeImmediately
}

/// A TCP server on a loopback address, for one test.
struct LoopbackServer: Sendable {
    /// The port the OS chose.
    let port: Int
    /// One element each time a connection the server accepted is closed, by either side.
    let connectionsClosed: AsyncStream<Void>
}

/// Runs `body` with a server bound to `host` port 0 and closes the server afterwards.
///
/// - Throws: The bind error (so a caller can tell that `::1` is unavailable), or `body`'s error.
func withLoopbackServer<Result>(
    host: String = "127.0.0.1", _ behaviour: LoopbackBehaviour, _ body: (LoopbackServer) async throws -> Result
) async throws -> Result {
    let (closed, closedContinuation) = AsyncStream.makeStream(of: Void.self)
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .childChannelInitializer { child in
            child.eventLoop.makeCompletedFuture {
                let handler = LoopbackHandler(behaviour: behaviour, closed: closedContinuation)
                try child.pipeline.syncOperations.addHandler(handler)
            }
        }
        .bind(host: host, port: 0)
        .get()
    do {
        let port = try #require(channel.localAddress?.port)
        let result = try await body(LoopbackServer(port: port, connectionsClosed: closed))
        try await channel.close()
        return result
    } catch {
        try? await channel.close()
        throw error
    }
}

/// A port nothing listens on: bound, then closed again.
func closedLoopbackPort() async throws -> Int {
    try await withLoopbackServer(.silent) { $0.port }
}

/// Does one ``LoopbackBehaviour`` for one connection.
private final class LoopbackHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let behaviour: LoopbackBehaviour
    private let closed: AsyncStream<Void>.Continuation

    init(behaviour: LoopbackBehaviour, closed: AsyncStream<Void>.Continuation) {
        self.behaviour = behaviour
        self.closed = closed
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        switch behaviour {
        case .send(let text):
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
        case .sendThenClose(let text):
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(string: text)))
                .whenComplete { _ in channel.close(promise: nil) }
        case .silent:
            break
        case .closeImmediately:
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func channelInactive(context: ChannelHandlerContext) {
        closed.yield()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
