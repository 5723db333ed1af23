/// The addresses a guest agent reported for one NIC, read from `VM_guest_metrics.networks`.
///
/// Keys are `<device>/ip` (legacy, first IPv4), `<device>/ipv4/<n>` and `<device>/ipv6/<n>`,
/// where `<device>` is the VIF's `device` number. Link-local IPv6 (`fe80::/10`) is skipped.
struct GuestAddresses: Sendable, Hashable {
    var ipv4: String?
    var ipv6: String?

    /// The addresses of `device`, or `nil` when the agent reported none for it.
    init?(networks: [String: String], device: String) {
        let prefix = "\(device)/"
        ipv4 = [networks["\(prefix)ipv4/0"], networks["\(prefix)ip"]].compactMap { $0 }.first { !$0.isEmpty }
        let v6 = networks.compactMap { key, value -> (Int, String)? in
            guard key.hasPrefix("\(prefix)ipv6/"), let index = Int(key.dropFirst(prefix.count + 5)) else { return nil }
            return Self.isLinkLocal(value) || value.isEmpty ? nil : (index, value)
        }
        ipv6 = v6.min { $0.0 < $1.0 }?.1
        if ipv4 == nil, ipv6 == nil { return nil }
    }

    static func isLinkLocal(_ address: String) -> Bool {
        let lower = address.lowercased()
        return ["fe8", "fe9", "fea", "feb"].contains { lower.hasPrefix($0) }
    }
}
