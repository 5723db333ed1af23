public import Logging
public import ProvisionerAPI

/// Where one pool VM (or a claimed VM no longer in the pool) is, for operators.
public struct PoolVMReport: Sendable, Hashable {
    /// `available`, `maintenance`, `assigned`, `cleaning`, `quarantined` or `orphaned_from_pool`.
    public var state: String
    public var vmID: String
    public var vm: PoolVM?
    public var claim: ResourceClaim?
}

/// The pool as operators see it.
public struct PoolReport: Sendable, Hashable {
    public var generation: Int64
    public var size: Int
    public var vms: [PoolVMReport]

    /// How many VMs are in `state`.
    public func count(_ state: String) -> Int { vms.count { $0.state == state } }
}

extension PoolAssignmentProvisioner {
    /// Every pool VM with its state, plus claimed VMs a refresh removed (`orphaned_from_pool`).
    public func report() async throws -> PoolReport {
        let current = snapshot
        let claims = try await withLedger({ try await $0.claims() })
        var byVM: [String: ResourceClaim] = [:]
        for claim in claims { byVM[claim.resource] = claim }
        var rows: [PoolVMReport] = current.vms.map { vm in
            let claim = byVM[vm.id]
            let state = claim?.state.rawValue ?? vm.status.rawValue
            return PoolVMReport(state: state, vmID: vm.id, vm: vm, claim: claim)
        }
        for claim in claims where current.vm(claim.resource) == nil {
            rows.append(PoolVMReport(state: "orphaned_from_pool", vmID: claim.resource, vm: nil, claim: claim))
        }
        return PoolReport(generation: current.generation, size: current.count, vms: rows)
    }

    /// Every VM an allocation holds (``InventoryListing``): the claim ledger is the pool's tag.
    public func listInventory(logger: Logger) async throws -> [InventoryItem] {
        try await withLedger({ try await $0.claims() }).filter { $0.state == .assigned }.map {
            InventoryItem(backendRef: $0.resource, allocationID: $0.allocationID, name: snapshot.vm($0.resource)?.name)
        }
    }

    /// The claimed VMs no longer in the pool, by allocation id.
    public func orphanedAllocations() async throws -> [String: String] {
        let current = snapshot
        var orphaned: [String: String] = [:]
        for claim in try await withLedger({ try await $0.claims() }) where current.vm(claim.resource) == nil {
            orphaned[claim.allocationID] = claim.resource
        }
        return orphaned
    }

    /// Returns a quarantined (or stuck cleaning) VM to the pool: the operator's action after
    /// resetting it by hand.
    ///
    /// - Returns: `false` when the VM is not quarantined or cleaning.
    public func returnToPool(vmID: String, logger: Logger) async throws -> Bool {
        let claims = try await withLedger({ try await $0.claims() })
        guard let claim = claims.first(where: { $0.resource == vmID }), claim.state != .assigned else { return false }
        guard try await withLedger({ try await $0.release(vmID, for: claim.allocationID) }) else { return false }
        returnToFreeList(vmID)
        logger.info("pool VM returned to the pool by an operator", metadata: ["vm.id": "\(vmID)"])
        return true
    }
}
