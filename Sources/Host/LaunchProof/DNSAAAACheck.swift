import Foundation

/// The `dns_aaaa_verified` launch check: does the VM's hostname resolve to the VM's IPv6 address?
///
/// Addresses are compared as 16 bytes, not as text, so `2001:db8::1` matches `2001:0db8:0:0::1`.
public struct DNSAAAACheck: Sendable {
    /// Where AAAA records come from.
    public let resolver: any AAAAResolving

    /// Creates the check.
    ///
    /// - Parameter resolver: The resolver to ask; ``SystemAAAAResolver`` in production.
    public init(resolver: any AAAAResolving) {
        self.resolver = resolver
    }

    /// Resolves `hostname` and checks that one of its AAAA records is `expectedIPv6`.
    ///
    /// - Parameters:
    ///   - hostname: The configured hostname; `nil` or empty means the check does not run.
    ///   - expectedIPv6: The VM's IPv6 address; `nil` or empty means the check does not run.
    /// - Returns: ``CheckMeasurement/notRun``, or a passed or failed measurement whose detail says
    ///   what was resolved. A lookup error is a failed measurement; this never throws.
    public func measure(hostname: String?, expectedIPv6: String?) async -> CheckMeasurement {
        guard let hostname = hostname?.trimmingCharacters(in: .whitespaces), !hostname.isEmpty,
            let expectedText = expectedIPv6?.trimmingCharacters(in: .whitespaces), !expectedText.isEmpty
        else { return .notRun }
        guard let expected = IPv6Address(expectedText) else {
            return .failed("the VM's address '\(expectedText)' is not an IPv6 address")
        }

        let resolved: [String]
        do {
            resolved = try await resolver.resolveAAAA(hostname)
        } catch {
            return .failed("\(error)")
        }
        guard !resolved.isEmpty else {
            return .failed("no AAAA record for '\(hostname)'")
        }
        let listed = "[" + resolved.joined(separator: ", ") + "]"
        if resolved.contains(where: { IPv6Address($0) == expected }) {
            return .passed("AAAA records of '\(hostname)' \(listed) include \(expected)")
        }
        return .failed("AAAA records of '\(hostname)' \(listed) do not include \(expected)")
    }
}
