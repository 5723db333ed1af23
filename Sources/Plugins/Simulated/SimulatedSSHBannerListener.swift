import NIOCore
import NIOPosix

/// A loopback TCP server that answers every connection with an SSH identification line and closes
/// it, so the Host's SSH launch check has something real to measure on simulated VMs.
///
/// It speaks no SSH beyond the banner: a client that goes on to a key exchange sees the connection close.
struct SimulatedSSHBannerListener: Sendable {
    /// The line written to every connection.
    static let banner = "SSH-2.0-SimulatedProvisioner\r\n"

    /// The address it listens on.
    static let host = "127.0.0.1"

    /// The port the OS chose.
    let port: Int
    private let channel: any Channel

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    /// Binds a listener on `127.0.0.1`, port 0.
    ///
    /// - Throws: The bind error, if the loopback address cannot be bound.
    static func bind(
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> SimulatedSSHBannerListener {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(BannerWriter())
                }
            }
            .bind(host: host, port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw ChannelError.unknownLocalAddress
        }
        return SimulatedSSHBannerListener(channel: channel, port: port)
    }

    /// Stops accepting connections; connections already answered are closed by their writer.
    func close() async {
        try? await channel.close()
    }
}

/// Writes the banner once the connection is up, then closes the connection.
private final class BannerWriter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        let buffer = context.channel.allocator.buffer(string: SimulatedSSHBannerListener.banner)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}  // a client's identification is ignored
}
