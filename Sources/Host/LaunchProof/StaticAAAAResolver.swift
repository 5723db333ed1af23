/// Resolves AAAA records from a fixed table, for labs without DNS and for tests.
///
/// Hostnames match case-insensitively and a trailing dot is ignored, as DNS names do
/// (`VM1.Example.Test.` finds `vm1.example.test`). A name not in the table has no AAAA record.
public struct StaticAAAAResolver: AAAAResolving {
    /// The records, keyed by normalized hostname.
    public let records: [String: [String]]

    /// Creates a resolver from `[hostname: [ipv6]]`; entries whose names differ only in case or a
    /// trailing dot are merged.
    public init(_ records: [String: [String]]) {
        var normalized: [String: [String]] = [:]
        for (hostname, addresses) in records {
            normalized[Self.normalize(hostname), default: []].append(contentsOf: addresses)
        }
        self.records = normalized
    }

    /// The addresses listed for `hostname`, or none.
    public func resolveAAAA(_ hostname: String) async throws -> [String] {
        records[Self.normalize(hostname)] ?? []
    }

    /// Lowercased, without one trailing dot.
    private static func normalize(_ hostname: String) -> String {
        let lowercased = hostname.lowercased()
        return lowercased.hasSuffix(".") ? String(lowercased.dropLast()) : lowercased
    }
}
