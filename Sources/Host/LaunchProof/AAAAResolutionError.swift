/// A failed AAAA lookup: the resolver's own message for why the name could not be resolved.
public struct AAAAResolutionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name that was looked up.
    public var hostname: String
    /// The resolver's reason, such as `gai_strerror` text (`Name or service not known`).
    public var reason: String

    /// Creates an error.
    public init(hostname: String, reason: String) {
        self.hostname = hostname
        self.reason = reason
    }

    /// `AAAA lookup of 'name' failed: reason`.
    public var description: String { "AAAA lookup of '\(hostname)' failed: \(reason)" }
}
