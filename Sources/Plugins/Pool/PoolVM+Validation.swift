#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension PoolVM {
    /// The first field that is not acceptable, with what is wrong with it.
    func problem() -> (field: String, message: String)? {
        // By code point, as the OpenAPI document's maxLength and pattern count and match.
        if !Self.isValidID(id) {
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

    /// Non-empty, at most 200 code points, no whitespace. An ASCII id (the usual kind) is checked
    /// byte by byte: looking up Unicode properties per scalar cost a refresh of 100,000 VMs ~50 ms.
    private static func isValidID(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard !utf8.isEmpty else { return false }
        if utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII whitespace: tab, line feed, vertical tab, form feed, carriage return, space.
            return utf8.count <= 200 && !utf8.contains { (0x09...0x0D).contains($0) || $0 == 0x20 }
        }
        return id.unicodeScalars.count <= 200 && !id.unicodeScalars.contains(where: \.properties.isWhitespace)
    }

    private static func isAddress(_ text: String, family: Int32) -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buffer in
            inet_pton(family, text, buffer.baseAddress) == 1
        }
    }
}

extension [PoolVM] {
    /// Checks every entry and that ids are unique.
    ///
    /// - Throws: ``PoolCatalogError`` naming the first bad entry and field.
    func validated() throws(PoolCatalogError) -> [PoolVM] {
        _ = try validatedIndex()
        return self
    }

    /// Checks every entry and that ids are unique, and returns the id index built on the way (a
    /// snapshot of these VMs uses it instead of building its own).
    ///
    /// - Throws: ``PoolCatalogError`` naming the first bad entry and field.
    func validatedIndex() throws(PoolCatalogError) -> PoolIDIndex {
        var index = PoolIDIndex(capacity: count)
        for (position, vm) in enumerated() {
            if let problem = vm.problem() {
                throw PoolCatalogError(index: position, field: problem.field, message: problem.message)
            }
            if let first = index.insert(position, id: vm.id, in: self) {
                throw PoolCatalogError(
                    index: position, field: "id", message: "duplicate VM id '\(vm.id)' (first used by pool[\(first)])")
            }
        }
        return index
    }
}
