public import ProvisionerAPI

/// Reads a pool written inline in the config file (`provisioner.pool.vms`).
enum PoolCatalogYAML {
    /// Parses and validates an inline pool list.
    ///
    /// - Throws: ``ConfigError`` at the entry or field that is wrong.
    static func decode(_ node: ConfigNode) throws -> [PoolVM] {
        let entries = try node.asList { $0 }
        let vms = try entries.map(vm(from:))
        do {
            return try vms.validated()
        } catch {
            let entry = error.index.map { entries[$0] }
            let fieldNode = try error.field.flatMap { field in
                try entry?.mapping(allowing: PoolVM.CodingKeys.allCases.map(\.rawValue)).node(field)
            }
            throw ConfigError(node: fieldNode ?? entry ?? node, message: error.message)
        }
    }

    private static func vm(from node: ConfigNode) throws -> PoolVM {
        let map = try node.mapping(allowing: PoolVM.CodingKeys.allCases.map(\.rawValue))
        let statusText = try map.string(PoolVM.CodingKeys.status.rawValue, default: PoolVM.Status.available.rawValue)
        guard let status = PoolVM.Status(rawValue: statusText) else {
            throw ConfigError(
                node: map.node(PoolVM.CodingKeys.status.rawValue) ?? node,
                message: "must be 'available' or 'maintenance', got '\(statusText)'")
        }
        return PoolVM(
            id: try map.required(PoolVM.CodingKeys.id.rawValue).asString(),
            name: try map.string(PoolVM.CodingKeys.name.rawValue),
            ipv4: try map.string(PoolVM.CodingKeys.ipv4.rawValue),
            ipv6: try map.string(PoolVM.CodingKeys.ipv6.rawValue),
            sshHost: try map.string(PoolVM.CodingKeys.sshHost.rawValue),
            sshPort: try map.int(PoolVM.CodingKeys.sshPort.rawValue, in: 1...65535),
            cockpitURL: try map.string(PoolVM.CodingKeys.cockpitURL.rawValue),
            plans: try map.node(PoolVM.CodingKeys.plans.rawValue)?.asList { try $0.asString() },
            tags: try map.node(PoolVM.CodingKeys.tags.rawValue)?.asList { try $0.asString() } ?? [],
            status: status,
            host: try map.string(PoolVM.CodingKeys.host.rawValue))
    }
}
