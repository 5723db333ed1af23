import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

/// A real HTTP server on loopback standing in for the operator's deployer: answers 500 to the
/// first `failures` POSTs and 200 afterwards, and records every body.
final class DeployerStub: Sendable {
    let failures: Int
    private let bodies = Mutex<[String]>([])

    init(failures: Int) { self.failures = failures }

    /// The bodies received so far.
    var received: [String] { bodies.withLock { $0 } }

    /// Records a body; returns the status to answer.
    fileprivate func record(_ body: String) -> HTTPResponseStatus {
        let count = bodies.withLock { bodies in
            bodies.append(body)
            return bodies.count
        }
        return count <= failures ? .internalServerError : .ok
    }
}

/// Runs `body` with a deployer stub listening on `127.0.0.1`, given its URL.
func withDeployerStub<T>(failures: Int, _ body: (DeployerStub, String) async throws -> T) async throws -> T {
    let stub = DeployerStub(failures: failures)
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .childChannelInitializer { child in
            child.eventLoop.makeCompletedFuture {
                try child.pipeline.syncOperations.configureHTTPServerPipeline()
                try child.pipeline.syncOperations.addHandler(DeployerHandler(stub: stub))
            }
        }
        .bind(host: "127.0.0.1", port: 0)
        .get()
    do {
        let port = try #require(channel.localAddress?.port)
        let result = try await body(stub, "http://127.0.0.1:\(port)/reset")
        try await channel.close()
        return result
    } catch {
        try? await channel.close()
        throw error
    }
}

private final class DeployerHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let stub: DeployerStub
    private var body = ""

    init(stub: DeployerStub) { self.stub = stub }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            body = ""
        case .body(let buffer):
            body += String(buffer: buffer)
        case .end:
            let status = stub.record(body)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "0")
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
