public import Logging
public import ProvisionerAPI

extension XCPNGProvisioner {
    /// Every VM carrying this backend's owner tag, with the allocation id it is tagged with.
    ///
    /// - Throws: ``ProvisionerError`` `backend_unavailable` or `timeout`.
    public func listInventory(logger: Logger) async throws -> [InventoryItem] {
        let records = try await call("VM.get_all_records", context: "listing VMs", logger: logger).objectValue ?? [:]
        return records.values.compactMap { record -> InventoryItem? in
            let tags = record["other_config"].stringMap
            // A VM kept for its grace period belongs to a released allocation on purpose.
            guard tags[Self.ownerKey] == configuration.ownerTag, tags[Self.releasedAtKey] == nil else { return nil }
            return InventoryItem(
                backendRef: record["uuid"].stringValue ?? "", allocationID: tags[Self.allocationKey],
                name: record["name_label"].stringValue)
        }.sorted { $0.backendRef < $1.backendRef }
    }

    /// Whether a host has the plan's memory free and the SR (configured, else the pool default)
    /// has room for its disk.
    ///
    /// - Throws: ``ProvisionerError`` `backend_unavailable` or `timeout` when it cannot tell.
    public func hasCapacity(for plan: PlanSpec, logger: Logger) async throws -> Bool {
        let memory = Int64(plan.memoryMiB) * 1_048_576
        var bestFree: Int64 = 0
        for host in try await call("host.get_all", context: "listing hosts", logger: logger).stringArray {
            let free = try await call(
                "host.compute_free_memory", [.string(host)], context: "reading host memory", logger: logger)
            bestFree = max(bestFree, free.int64Value ?? 0)
        }
        guard bestFree >= memory else {
            logger.info("XCP-ng has no host with enough free memory", metadata: ["memory.free": "\(bestFree)"])
            return false
        }
        guard let sr = try await capacitySR(logger: logger) else { return true }
        let record = try await call("SR.get_record", [.string(sr)], context: "reading the SR", logger: logger)
        let size = record["physical_size"].int64Value ?? 0
        let used = record["physical_utilisation"].int64Value ?? 0
        return size - used >= Int64(plan.diskGiB) << 30
    }

    private func capacitySR(logger: Logger) async throws -> String? {
        if let sr = configuration.sr { return try await resolve("SR", sr, logger: logger) }
        guard let pool = try await call("pool.get_all", context: "reading the pool", logger: logger).stringArray.first
        else { return nil }
        let sr = try await call("pool.get_default_SR", [.string(pool)], context: "reading the pool", logger: logger)
            .stringValue
        return sr == "OpaqueRef:NULL" ? nil : sr
    }
}
