import Foundation
public import NIOCore
public import NIOPosix

/// The `ssh_smoke_status` launch check: a TCP connection to the VM's SSH port that receives an SSH
/// identification line (`SSH-2.0-…`, RFC 4253 §4.2) within the timeout.
///
/// Only the server's first line is read (at most 255 bytes); nothing is sent, so no key exchange or
/// authentication happens. The timeout covers name resolution, the connection and the banner together.
/// Every channel the probe opens is closed before ``measure(host:port:)`` returns.
public struct SSHBannerCheck: Sendable {
    /// The longest identification line RFC 4253 allows, `CR LF` included.
    static let maximumLineLength = 255

    /// How long resolution, connection and banner may take together.
    public let timeout: Duration
    private let eventLoopGroup: any EventLoopGroup

    /// Creates the check.
    ///
    /// - Parameters:
    ///   - timeout: How long resolution, connection and banner may take together.
    ///   - eventLoopGroup: Where the connection runs.
    public init(timeout: Duration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.timeout = timeout
        self.eventLoopGroup = eventLoopGroup
    }

    /// Connects to `host`:`port` and checks the first line it sends.
    ///
    /// - Parameters:
    ///   - host: An IPv4 or IPv6 literal (`192.0.2.1`, `::1`, `[::1]`) or a host name; `nil` or empty
    ///     means the check does not run.
    ///   - port: The TCP port, usually 22.
    /// - Returns: ``CheckMeasurement/notRun``, or a passed or failed measurement whose detail says what
    ///   was seen (`connection refused`, `banner 'HTTP/1.1 400 Bad Request' is not SSH`). Cancelling
    ///   the calling task gives `notRun`. This never throws.
    public func measure(host: String?, port: Int) async -> CheckMeasurement {
        guard var host = host?.trimmingCharacters(in: .whitespaces), !host.isEmpty else { return .notRun }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard (1...65_535).contains(port) else { return .failed("port \(port) is not a TCP port") }

        let eventLoop = eventLoopGroup.next()
        let promise = eventLoop.makePromise(of: SSHBannerOutcome.self)
        let outcome = probe(host: host, port: port, eventLoop: eventLoop, promise: promise)
        let result = await withTaskCancellationHandler {
            // The future never fails: every path completes the promise with an outcome.
            (try? await outcome.get()) ?? .cancelled
        } onCancel: {
            promise.succeed(.cancelled)
        }
        return result.measurement(host: host, timeout: timeout)
    }

    /// Starts the probe; the future completes once the outcome is known and the channel is closed.
    private func probe(
        host: String, port: Int, eventLoop: any EventLoop, promise: EventLoopPromise<SSHBannerOutcome>
    ) -> EventLoopFuture<SSHBannerOutcome> {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let progress = NIOLoopBoundBox.makeBoxSendingValue(SSHBannerProgress(), eventLoop: eventLoop)
        let deadlineTask = eventLoop.scheduleTask(deadline: deadline) {
            promise.succeed(.timedOut(connected: progress.value.connected, received: progress.value.received))
        }

        resolve(host: host, port: port, eventLoop: eventLoop).whenComplete { result in
            switch result {
            case .failure(let error):
                promise.succeed(.resolveFailed(error))
            case .success(let address):
                guard !progress.value.finished else { return }
                let remaining = max(deadline - .now(), .milliseconds(1))
                ClientBootstrap(group: eventLoop)
                    .connectTimeout(remaining)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            guard !progress.value.finished else { throw ChannelError.ioOnClosedChannel }
                            progress.value.channel = channel
                            let reader = SSHBannerReader(progress: progress, promise: promise)
                            try channel.pipeline.syncOperations.addHandler(reader)
                        }
                    }
                    .connect(to: address)
                    .whenFailure { error in promise.succeed(.connectFailed(error)) }
            }
        }

        return promise.futureResult.flatMap { outcome in
            deadlineTask.cancel()
            progress.value.finished = true
            guard let channel = progress.value.channel else { return eventLoop.makeSucceededFuture(outcome) }
            channel.close(promise: nil)
            return channel.closeFuture.map { outcome }
        }
    }

    /// The address of an IP literal, or of a host name resolved off the event loop.
    private func resolve(host: String, port: Int, eventLoop: any EventLoop) -> EventLoopFuture<SocketAddress> {
        if let literal = try? SocketAddress(ipAddress: host, port: port) {
            return eventLoop.makeSucceededFuture(literal)
        }
        return NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
            try SocketAddress.makeAddressResolvingHost(host, port: port)
        }
    }
}
