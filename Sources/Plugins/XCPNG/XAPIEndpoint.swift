import Foundation

/// Where a XAPI host answers: scheme, host and port.
public struct XAPIEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    public var scheme: String
    /// The host name or address (IPv6 without brackets).
    public var host: String
    /// The TCP port.
    public var port: Int

    /// Creates an endpoint.
    public init(scheme: String, host: String, port: Int) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Parses `http(s)://host[:port][/…]`; `nil` for anything else.
    public init?(url: String) {
        let lower = url.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") {
            scheme = "https"
        } else if lower.hasPrefix("http://") {
            scheme = "http"
        } else {
            return nil
        }
        let rest = url.dropFirst(scheme.count + 3)
        let authority = String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        guard
            let parsed = Self.parseAuthority(authority, defaultPort: scheme == "https" ? 443 : 80)
        else { return nil }
        self.init(scheme: scheme, host: parsed.host, port: parsed.port)
    }

    /// The endpoint of another pool host named by `HOST_IS_SLAVE [address]`: same scheme, the
    /// address's host, and its port if it names one, else this endpoint's port.
    public func redirected(to address: String) -> XAPIEndpoint? {
        var authority = address
        if let range = authority.range(of: "://") { authority = String(authority[range.upperBound...]) }
        authority = String(authority.prefix { $0 != "/" })
        guard let parsed = Self.parseAuthority(authority, defaultPort: port) else { return nil }
        return XAPIEndpoint(scheme: scheme, host: parsed.host, port: parsed.port)
    }

    private static func parseAuthority(_ authority: String, defaultPort: Int) -> (host: String, port: Int)? {
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        if authority.hasPrefix("[") {  // [v6]:port
            guard let close = authority.firstIndex(of: "]") else { return nil }
            let host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.isEmpty { return host.isEmpty ? nil : (host, defaultPort) }
            guard after.hasPrefix(":"), let port = Int(after.dropFirst()), (1...65_535).contains(port) else {
                return nil
            }
            return (host, port)
        }
        let colons = authority.filter { $0 == ":" }.count
        if colons > 1 { return (authority, defaultPort) }  // a bare IPv6 address
        if colons == 1 {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard let port = Int(parts[1]), (1...65_535).contains(port), !parts[0].isEmpty else { return nil }
            return (String(parts[0]), port)
        }
        return (authority, defaultPort)
    }

    /// The host as written in a URL (IPv6 in brackets).
    var urlHost: String { host.contains(":") ? "[\(host)]" : host }

    /// The JSON-RPC URL, `scheme://host:port/jsonrpc`.
    var jsonRPCURL: String { "\(scheme)://\(urlHost):\(port)/jsonrpc" }

    /// `scheme://host:port`.
    public var description: String { "\(scheme)://\(urlHost):\(port)" }
}
