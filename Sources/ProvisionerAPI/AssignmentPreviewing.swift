public import Logging

/// An optional capability: a backend that hands out existing resources (a pool of pre-built VMs)
/// and can say which one an order would be offered now, without taking it.
///
/// The Host asks it for a dry-run order (`POST /v1/vm?dry_run=true`), so the caller sees the VM
/// it would get.
///
/// ## Implementation requirements
/// - Take nothing and write nothing: no claim, no change to what the next ``Provisioner/allocate(_:logger:)``
///   hands out. The answer is a snapshot; a concurrent order may take that VM a moment later.
/// - Answer what `allocate` would pick next for the plan, from the same source of truth (the claim
///   ledger), or `nil` when nothing is free for the plan.
/// - Throw only ``ProvisionerError``.
///
/// ```swift
/// extension RackProvisioner: AssignmentPreviewing {
///     func previewAssignment(for plan: PlanSpec, logger: Logger) async throws -> VmAllocation? {
///         machines.first { $0.isFree && $0.fits(plan) }.map { $0.allocation(allocationID: "") }
///     }
/// }
/// ```
public protocol AssignmentPreviewing: Provisioner {
    /// The VM an order of `plan` would be offered now, or `nil` when none is free.
    ///
    /// - Parameters:
    ///   - plan: The plan of the order being previewed.
    ///   - logger: The request's logger.
    /// - Returns: The VM as an allocation with an empty ``VmAllocation/allocationID``, or `nil`.
    /// - Throws: ``ProvisionerError`` (`backend_unavailable`) when the free VMs cannot be read.
    func previewAssignment(for plan: PlanSpec, logger: Logger) async throws -> VmAllocation?
}
