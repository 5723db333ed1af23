public import Logging

/// How many VMs a backend could hold at once, as ``CapacityCounting`` reports it.
///
/// The Host reserves one slot for every order it accepts and refuses the next order once the
/// orders it holds fill ``plan`` (for that plan) or ``total`` (for any plan).
public struct CapacitySlots: Sendable, Hashable {
    /// How many VMs could serve the plan asked about now, whether free or held by an allocation
    /// (for a pool: its available VMs serving the plan).
    public var plan: Int
    /// How many VMs the backend could hold at once, whatever their plan (for a pool: its
    /// available VMs).
    public var total: Int
    /// The code an order refused for want of a slot carries: `pool_exhausted` for a pool,
    /// `capacity_unavailable` (the default) for backends that create VMs.
    public var exhaustedCode: ProvisionerError.Code

    /// Creates a capacity report.
    ///
    /// - Parameters:
    ///   - plan: VMs that could serve the plan; negative values count as 0.
    ///   - total: All VMs the backend could hold; negative values count as 0.
    ///   - exhaustedCode: The code of the refusal once the slots are full.
    public init(plan: Int, total: Int, exhaustedCode: ProvisionerError.Code = .capacityUnavailable) {
        self.plan = max(0, plan)
        self.total = max(0, total)
        self.exhaustedCode = exhaustedCode
    }
}

/// An optional capability: a backend whose capacity is a countable number of VMs, so the Host can
/// reserve capacity when it accepts an order instead of finding out at provisioning time.
///
/// The Host counts, in the same transaction that stores an order, what already occupies the
/// backend: accepted orders not yet provisioned (unpaid ones only within their payment window),
/// VMs handed out, and resources still being reset or quarantined. It refuses the order when that
/// count reaches ``CapacitySlots/plan`` or ``CapacitySlots/total``; so concurrent orders, also on
/// replicas sharing a store, never accept more than the backend holds.
///
/// ## Implementation requirements
/// - Be cheap: the Host calls ``capacitySlots(for:logger:)`` once per order. Answer from memory
///   (a pool's current snapshot) rather than a remote call where possible.
/// - Count capacity, not free room: VMs already held by allocations are part of the answer, since
///   the Host subtracts what its store says is occupied.
/// - Return `nil` when capacity is unbounded or unknown to the backend; the Host then reserves
///   nothing (``CapacityReporting`` may still refuse the order).
/// - Throw only ``ProvisionerError``; the Host refuses the order (fails closed) when this throws.
///
/// ```swift
/// extension RackProvisioner: CapacityCounting {
///     func capacitySlots(for plan: PlanSpec, logger: Logger) async throws -> CapacitySlots? {
///         CapacitySlots(plan: machines.filter { $0.fits(plan) }.count, total: machines.count)
///     }
/// }
/// ```
public protocol CapacityCounting: Provisioner {
    /// How many VMs the backend could hold for `plan` and in all, or `nil` when it is unbounded.
    ///
    /// - Parameters:
    ///   - plan: The plan of the order about to be accepted.
    ///   - logger: The request's logger.
    /// - Returns: The slots, or `nil` for no limit.
    /// - Throws: ``ProvisionerError`` (`backend_unavailable`) when capacity cannot be determined.
    func capacitySlots(for plan: PlanSpec, logger: Logger) async throws -> CapacitySlots?
}
