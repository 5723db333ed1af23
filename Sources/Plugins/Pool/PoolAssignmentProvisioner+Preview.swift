public import Logging
public import ProvisionerAPI
import Synchronization

extension PoolAssignmentProvisioner: AssignmentPreviewing {
    /// The pool VM an order of `plan` would be offered now: the one ``allocate(_:logger:)`` would
    /// try first, among the available VMs serving the plan that no claim holds. Claims nothing
    /// and leaves the free list as it is.
    ///
    /// - Returns: The VM as an allocation with an empty allocation id, or `nil` when none is free.
    /// - Throws: ``ProvisionerError`` `backend_unavailable` when the ledger or catalog cannot be read.
    public func previewAssignment(for plan: PlanSpec, logger: Logger) async throws -> VmAllocation? {
        try await syncCatalogIfNeeded(logger: logger)
        let current = snapshot
        let claimed = Set(try await withLedger({ try await $0.claims() }).map(\.resource))
        // The free list's order when it is built for this snapshot (what allocate takes next),
        // else the operator's order, as a rebuilt free list would give it.
        let hinted = freeList.withLock { list -> PoolVM? in
            guard list.generation == current.generation else { return nil }
            return list.peek(servingPlan: plan.name, excluding: claimed)
        }
        let vm =
            hinted
            ?? current.vms.first { $0.status == .available && $0.serves(plan: plan.name) && !claimed.contains($0.id) }
        return vm.map { allocation(for: $0, allocationID: "") }
    }
}
