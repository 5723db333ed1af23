import Foundation
import Logging
import PoolProvisioner
import ProvisionerAPI

/// The ops the gate runs, by name. `rotate_host_key` (rotation) is listed in ``planned`` and
/// refused as unknown until the host-reports work adds its entry here.
public enum GateOps {
    /// Every op this build runs.
    public static let table: [String: GateOpDefinition] = Dictionary(
        uniqueKeysWithValues: [restartVM, purgeOrphan, forceRelease, decommissionPoolVM, returnQuarantined].map {
            ($0.name, $0)
        })

    /// Ops named in the design that this build does not run yet (requests are refused as unknown).
    public static let planned = ["rotate_host_key"]

    /// `restart_vm` (benign): starts a delivered VM found stopped; target: the allocation id.
    static let restartVM = GateOpDefinition(
        name: "restart_vm", targetMeaning: "allocation id",
        check: { target, context in
            let record = try await deliveredAllocation(target, context)
            guard context.backend is any PowerControlling else {
                throw ProvisionerError.stateConflict(
                    "The '\(record.backend)' backend cannot start VMs; nothing was changed.")
            }
        },
        provenance: { target, context in
            try await GateOpDefinition.provenance(ofAllocation: target, store: context.store)
        },
        run: { op, context in
            let record = try await deliveredAllocation(op.target, context)
            guard let power = context.backend as? any PowerControlling else {
                throw ProvisionerError.stateConflict("The backend cannot start VMs.")
            }
            let vm = record.vm ?? VmAllocation(allocationID: record.id, backend: record.backend)
            try await power.start(vm, logger: context.logger)
            await context.store.appendEventsLogging(
                [
                    LifecycleEvent(
                        at: Date(), kind: "vm_restarted", allocationID: record.id, backend: record.backend,
                        backendRef: vm.backendRef, detail: "started again by gate op \(op.opID)")
                ], logger: context.logger)
            context.metrics.lifecycleEvent(kind: "vm_restarted")
            return "started"
        })

    /// `purge_orphan`: destroys a resource tagged as ours that no active allocation owns; target:
    /// the backend ref (as listed at `/admin/orphans`).
    static let purgeOrphan = GateOpDefinition(
        name: "purge_orphan", targetMeaning: "backend ref of an orphan",
        check: { target, context in _ = try await orphan(target, context) },
        provenance: { target, context in
            let item = try await orphan(target, context)
            return try await GateOpDefinition.provenance(ofAllocation: item.allocationID, store: context.store)
        },
        run: { op, context in
            guard let listing = context.backend as? any InventoryListing else { return "nothing to purge" }
            guard
                let item = try await listing.listInventory(logger: context.logger).first(where: {
                    $0.backendRef == op.target
                })
            else { return "already gone" }
            try await context.backend.release(
                VmAllocation(
                    allocationID: item.allocationID ?? "", backend: context.backend.name, backendRef: item.backendRef),
                logger: context.logger)
            return "purged"
        })

    /// `force_release`: releases an allocation the onboarding service never released; target: the
    /// allocation id. Runs as the customer's release does (journaled by the lifecycle).
    static let forceRelease = GateOpDefinition(
        name: "force_release", targetMeaning: "allocation id",
        check: { target, context in
            guard let record = try await context.store.allocation(id: target) else {
                throw ProvisionerError.notFound("No allocation '\(target)'.")
            }
            guard ![.released, .rolledBack].contains(record.state) else {
                throw ProvisionerError.stateConflict("Allocation '\(target)' is already \(record.state.rawValue).")
            }
        },
        provenance: { target, context in
            try await GateOpDefinition.provenance(ofAllocation: target, store: context.store)
        },
        run: { op, context in
            let record = try await context.orders.requestRelease(
                id: op.target, requestID: context.requestID, logger: context.logger)
            return "release requested; state \(record.state.rawValue)"
        })

    /// `decommission_pool_vm`: takes a pool VM out of the pool for good; target: the pool VM id.
    static let decommissionPoolVM = GateOpDefinition(
        name: "decommission_pool_vm", targetMeaning: "pool VM id",
        check: { target, context in
            let pool = try pool(context)
            guard pool.currentPool.contains(where: { $0.id == target }) else {
                throw ProvisionerError.notFound("No pool VM '\(target)'.")
            }
            if let claim = try await pool.claim(vmID: target), claim.state == .assigned {
                throw ProvisionerError.stateConflict(
                    "Pool VM '\(target)' is assigned to \(claim.allocationID); release that allocation first.")
            }
        },
        provenance: { _, _ in .customerData },
        run: { op, context in
            try await pool(context).decommission(vmID: op.target, logger: context.logger)
            return "decommissioned"
        })

    /// `return_quarantined`: puts a quarantined pool VM back in the pool; target: the pool VM id.
    /// A VM still `cleaning` is refused (409): it is being wiped.
    static let returnQuarantined = GateOpDefinition(
        name: "return_quarantined", targetMeaning: "pool VM id",
        check: { target, context in
            let claim = try await pool(context).claim(vmID: target)
            guard let claim else {
                throw ProvisionerError.stateConflict(
                    "Pool VM '\(target)' is not quarantined; only a quarantined VM can be returned.")
            }
            guard claim.state == .quarantined else {
                throw ProvisionerError.stateConflict(
                    "Pool VM '\(target)' is \(claim.state.rawValue); only a quarantined VM can be returned"
                        + (claim.state == .cleaning ? " (it is being wiped)." : "."))
            }
        },
        provenance: { _, _ in .customerData },
        run: { op, context in
            let pool = try pool(context)
            if try await pool.returnToPool(vmID: op.target, logger: context.logger) { return "returned to the pool" }
            if try await pool.claim(vmID: op.target) == nil { return "already returned" }
            throw ProvisionerError.stateConflict("Pool VM '\(op.target)' is no longer quarantined.")
        })

    // MARK: - Target lookups

    private static func deliveredAllocation(_ id: String, _ context: GateOpContext) async throws -> AllocationRecord {
        guard let record = try await context.store.allocation(id: id) else {
            throw ProvisionerError.notFound("No allocation '\(id)'.")
        }
        guard [.provisioned, .degraded].contains(record.state) else {
            throw ProvisionerError.stateConflict("Allocation '\(id)' is \(record.state.rawValue), not delivered.")
        }
        return record
    }

    private static func orphan(_ ref: String, _ context: GateOpContext) async throws -> InventoryItem {
        guard let listing = context.backend as? any InventoryListing else {
            throw ProvisionerError.stateConflict("The '\(context.backend.name)' backend cannot list its resources.")
        }
        guard let item = try await listing.listInventory(logger: context.logger).first(where: { $0.backendRef == ref })
        else { throw ProvisionerError.notFound("The backend holds no resource '\(ref)'.") }
        if let id = item.allocationID, let record = try await context.store.allocation(id: id),
            [.paid, .provisioning, .provisioned, .degraded, .releasing].contains(record.state)
                || record.teardownPending,
            record.deletedAt == nil
        {
            throw ProvisionerError.stateConflict("'\(ref)' belongs to the active allocation \(id); it is no orphan.")
        }
        return item
    }

    /// The pool backend; on a Host running another backend no pool VM exists, so a pool op's
    /// target is not found (404, not the pool routes' 503: the op was asked of the wrong Host, and
    /// nothing here is unavailable).
    private static func pool(_ context: GateOpContext) throws -> PoolAssignmentProvisioner {
        guard let pool = context.backend as? PoolAssignmentProvisioner else {
            throw ProvisionerError.notFound(
                "No pool VM here: the active backend is '\(context.backend.name)', not the pool; send pool ops to a "
                    + "Host whose provisioner.backend is pool.")
        }
        return pool
    }
}
