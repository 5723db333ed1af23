/// Looks up the AAAA records of a hostname for the DNS launch check.
///
/// Implementation requirements: `Sendable`, no global state; return every IPv6 address the name
/// resolves to, as text (any valid form: the check compares addresses canonically); return an empty
/// list when the name has no AAAA record and throw when the lookup itself fails.
///
/// ```swift
/// let check = DNSAAAACheck(resolver: StaticAAAAResolver(["vm1.example.test": ["2001:db8::1"]]))
/// ```
public protocol AAAAResolving: Sendable {
    /// The IPv6 addresses `hostname` resolves to.
    ///
    /// - Parameter hostname: A DNS name; a trailing dot is allowed.
    /// - Returns: The addresses as text, possibly empty.
    /// - Throws: An error describing why the lookup failed (for example ``AAAAResolutionError``).
    func resolveAAAA(_ hostname: String) async throws -> [String]
}
