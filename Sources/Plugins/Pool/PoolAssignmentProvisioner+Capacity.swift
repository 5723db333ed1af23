public import Logging
public import ProvisionerAPI

extension PoolAssignmentProvisioner: CapacityCounting {
    /// The pool's capacity from its current snapshot: its `available` VMs serving the plan, and all
    /// its `available` VMs, held or free. The Host subtracts what its store says is occupied.
    ///
    /// A VM in `maintenance`, or removed from the pool, while an allocation still holds it counts
    /// as occupied but not as a slot until it is released: admission errs on the side of refusing.
    ///
    /// - Returns: The slots, refused with `pool_exhausted` once full.
    /// - Throws: ``ProvisionerError`` `backend_unavailable` when the shared catalog cannot be read.
    public func capacitySlots(for plan: PlanSpec, logger: Logger) async throws -> CapacitySlots? {
        try await syncCatalogIfNeeded(logger: logger)
        let current = snapshot
        return CapacitySlots(
            plan: current.availableCount(servingPlan: plan.name), total: current.availableCount,
            exhaustedCode: .poolExhausted)
    }
}
