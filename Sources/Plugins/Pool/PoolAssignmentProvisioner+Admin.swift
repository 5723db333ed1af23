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

    /// Returns a quarantined VM to the pool: the operator's action after resetting it by hand. A VM
    /// still `cleaning` is being wiped by its release hook and is never returned mid-wipe.
    ///
    /// - Returns: `false` when the VM is not quarantined.
    public func returnToPool(vmID: String, logger: Logger) async throws -> Bool {
        let claims = try await withLedger({ try await $0.claims() })
        guard let claim = claims.first(where: { $0.resource == vmID }), claim.state == .quarantined else {
            return false
        }
        guard try await withLedger({ try await $0.release(vmID, for: claim.allocationID) }) else { return false }
        returnToFreeList(vmID)
        logger.info("pool VM returned to the pool by an operator", metadata: ["vm.id": "\(vmID)"])
        return true
    }

    /// The claim on `vmID`, if any (its state says whether it is assigned, cleaning or quarantined).
    public func claim(vmID: String) async throws -> ResourceClaim? {
        try await withLedger({ try await $0.claims() }).first { $0.resource == vmID }
    }

    /// Takes `vmID` out of the pool for good: its claim (cleaning or quarantined) is dropped and
    /// the catalog is saved without it, so every replica stops offering it. Idempotent: a VM
    /// already gone succeeds.
    ///
    /// - Throws: `state_conflict`-like ``ProvisionerError`` `backend_rejected` when a customer holds it.
    public func decommission(vmID: String, logger: Logger) async throws {
        if let claim = try await claim(vmID: vmID) {
            guard claim.state != .assigned else {
                throw ProvisionerError.backendRejected("pool VM '\(vmID)' is assigned to \(claim.allocationID)")
            }
            _ = try await withLedger({ try await $0.release(vmID, for: claim.allocationID) })
        }
        let remaining = snapshot.vms.filter { $0.id != vmID }
        if remaining.count != snapshot.vms.count {
            _ = try await refreshPool(remaining, logger: logger)
        }
        logger.info("pool VM decommissioned by an operator", metadata: ["vm.id": "\(vmID)"])
    }
}
