import NIOCore

/// Reads the first line a server sends and completes the probe's promise with it.
///
/// It never writes: the SSH client identification is not needed to read the server's.
final class SSHBannerReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let progress: NIOLoopBoundBox<SSHBannerProgress>
    private let promise: EventLoopPromise<SSHBannerOutcome>

    /// Creates a reader reporting into `progress` and `promise`.
    init(progress: NIOLoopBoundBox<SSHBannerProgress>, promise: EventLoopPromise<SSHBannerOutcome>) {
        self.progress = progress
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        progress.value.connected = true
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let limit = SSHBannerCheck.maximumLineLength
        let outcome: SSHBannerOutcome? = progress.withValue { progress in
            guard !progress.finished else { return nil }
            for byte in buffer.readableBytesView {
                progress.received.append(byte)
                if byte == UInt8(ascii: "\n") { return .line(progress.received) }
                if progress.received.count >= limit { return .lineTooLong(progress.received) }
            }
            return nil
        }
        if let outcome { promise.succeed(outcome) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.succeed(.closed(received: progress.value.received))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.succeed(.readFailed(error))
        context.close(promise: nil)
    }
}
