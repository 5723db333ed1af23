import Foundation
import HTTPTypes
import Host
import HummingbirdTesting
import NIOCore
import NIOPosix
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ServerTimeoutTests {
    /// Sends `chunks` one at a time and waits for the server to close the connection.
    ///
    /// Timed from before the connect: the server starts its clock at accept, and on a loaded
    /// machine the connect can complete half a second later.
    static func secondsUntilClosed(port: Int, sending chunks: [String], every pause: Duration) async throws -> Double? {
        let start = ContinuousClock.now
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Double?.self) { group in
                group.addTask {
                    // A close can arrive as a FIN or, when our next write meets the closed socket,
                    // as a reset; either way the server has cut the connection.
                    do {
                        for try await _ in inbound {}
                    } catch let error as IOError where error.errnoCode == ECONNRESET {}
                    return (ContinuousClock.now - start) / .seconds(1)
                }
                group.addTask {
                    for chunk in chunks {
                        try? await outbound.write(ByteBuffer(string: chunk))
                        try await Task.sleep(for: pause)
                    }
                    try await Task.sleep(for: .seconds(20))
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
        }
    }

    /// A slow-loris client dribbling its headers is cut off by `server.idle_timeout_s`.
    @Test func anIdleConnectionDribblingHeadersIsClosed() async throws {
        try await TestHost.run(
            .live,
            configure: {
                $0.server.idleTimeoutSeconds = 1
                $0.server.readTimeoutSeconds = 1
            }
        ) { _, client in
            let port = try #require(client.port)
            let dribble =
                ["GET /healthz HTTP/1.1\r\n", "Host: x\r\n", "X-A: 1\r\n", "X-B: 2\r\n", "X-C: 3\r\n"]
                + Array(repeating: "X-D: 4\r\n", count: 40)
            let closedAfter = try await Self.secondsUntilClosed(port: port, sending: dribble, every: .milliseconds(200))
            let seconds = try #require(closedAfter, "the server kept a slow-loris connection open for 20 s")
            #expect(seconds >= 0.5)
            #expect(seconds < 8)
        }
    }

    /// A request whose body never finishes is cut off by `server.read_timeout_s`, even while bytes
    /// keep trickling in.
    @Test func aBodyThatNeverFinishesIsClosed() async throws {
        try await TestHost.run(
            .live,
            configure: {
                $0.server.idleTimeoutSeconds = 60
                $0.server.readTimeoutSeconds = 1
            }
        ) { _, client in
            let port = try #require(client.port)
            let head =
                "POST /v1/vm HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
            let closedAfter = try await Self.secondsUntilClosed(
                port: port, sending: [head] + Array(repeating: "{", count: 80), every: .milliseconds(200))
            let seconds = try #require(closedAfter, "the server waited 20 s for a body that never finished")
            #expect(seconds >= 0.5)
            #expect(seconds < 8)
        }
    }

    /// With the timeouts configured, a request sent at once is answered. The idle timeout is
    /// 10 s, not 1 s: on a loaded CI machine (this test once took 16 s) more than a second passed
    /// between the test client's connect and its request, and the server rightly cut the idle
    /// connection.
    @Test func aNormalRequestStillWorks() async throws {
        try await TestHost.run(
            .live,
            configure: {
                $0.server.idleTimeoutSeconds = 10
                $0.server.readTimeoutSeconds = 10
            }
        ) { _, client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
        }
    }
}
