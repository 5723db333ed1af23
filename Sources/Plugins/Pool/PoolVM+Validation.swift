#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension PoolVM {
    /// The first field that is not acceptable, with what is wrong with it.
    func problem() -> (field: String, message: String)? {
        // By code point, as the OpenAPI document's maxLength and pattern count and match.
        if id.isEmpty || id.unicodeScalars.count > 200 || id.unicodeScalars.contains(where: \.properties.isWhitespace) {
            return ("id", "must be a non-empty string of at most 200 characters without spaces")
        }
        if let sshPort, !(1...65535).contains(sshPort) {
            return ("ssh_port", "must be between 1 and 65535, got \(sshPort)")
        }
        if let ipv4, !Self.isAddress(ipv4, family: AF_INET) {
            return ("ipv4", "'\(ipv4)' is not an IPv4 address")
        }
        if let ipv6, !Self.isAddress(ipv6, family: AF_INET6) {
            return ("ipv6", "'\(ipv6)' is not an IPv6 address")
        }
        if let cockpitURL,
            !["https://", "http://"].contains(where: { cockpitURL.unicodeScalars.starts(with: $0.unicodeScalars) })
        {
            return ("cockpit_url", "must be an http:// or https:// URL")
        }
        if let plans, plans.contains(where: \.isEmpty) {
            return ("plans", "plan names must not be empty")
        }
        return nil
    }

    private static func isAddress(_ text: String, family: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(family, text, &buffer) == 1
    }
}

extension [PoolVM] {
    /// Checks every entry and that ids are unique.
    ///
    /// - Throws: ``PoolCatalogError`` naming the first bad entry and field.
    func validated() throws(PoolCatalogError) -> [PoolVM] {
        var seen: [String: Int] = [:]
        seen.reserveCapacity(count)
        for (index, vm) in enumerated() {
            if let problem = vm.problem() {
                throw PoolCatalogError(index: index, field: problem.field, message: problem.message)
            }
            if let first = seen.updateValue(index, forKey: vm.id) {
                throw PoolCatalogError(
                    index: index, field: "id", message: "duplicate VM id '\(vm.id)' (first used by pool[\(first)])")
            }
        }
        return self
    }
}
