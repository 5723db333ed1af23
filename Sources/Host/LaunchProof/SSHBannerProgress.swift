import NIOCore

/// What a probe has seen so far; read and written only on the probe's event loop.
struct SSHBannerProgress: Sendable {
    /// The probe's channel, once created, so it can be closed whatever the outcome.
    var channel: (any Channel)?
    /// Whether the TCP connection was made.
    var connected = false
    /// The bytes received so far, at most ``SSHBannerCheck/maximumLineLength``.
    var received: [UInt8] = []
    /// Whether the outcome is decided; a channel created after that is refused.
    var finished = false
}
