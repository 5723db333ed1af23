import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// The HTTP server's read and idle timeouts (`server.read_timeout_s`, `server.idle_timeout_s`).
///
/// Idle: Hummingbird closes a connection that has had no complete request part (head, body chunk,
/// end) for `idle_timeout_s`, which also ends a client dribbling its headers (slow loris), since an
/// incomplete head is no part. Read: ``RequestReadTimeoutHandler`` closes a connection whose
/// request body is not complete `read_timeout_s` after its head arrived.
struct ServerTimeouts {
    var readTimeout: TimeAmount
    var idleTimeout: TimeAmount

    init(_ server: ServerConfiguration) {
        readTimeout = .nanoseconds(Int64(server.readTimeoutSeconds * 1_000_000_000))
        idleTimeout = .nanoseconds(Int64(server.idleTimeoutSeconds * 1_000_000_000))
    }

    var channelConfiguration: HTTP1Channel.Configuration {
        let readTimeout = readTimeout
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestReadTimeoutHandler(timeout: readTimeout)], idleTimeout: idleTimeout)
    }
}

/// Closes the connection when a request's body is not fully read within `timeout` of its head.
final class RequestReadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var pending: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            pending?.cancel()
            let channel = context.channel
            pending = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        case .end:
            pending?.cancel()
            pending = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending?.cancel()
        pending = nil
        context.fireChannelInactive()
    }
}
