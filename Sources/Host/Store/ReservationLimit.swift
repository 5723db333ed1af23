public import Foundation
public import ProvisionerAPI

/// The capacity an order must fit in, checked by ``Store/insertOrder(_:maxActivePaid:reservation:audit:)``
/// in the transaction that stores it (DESIGN.md section 8, "Admission reserves").
///
/// What occupies a backend (its `namespace`, which is both the allocations' `backend` and the
/// claim-ledger namespace):
/// - allocations, not soft-deleted, that hold or will hold a VM: `paid`, `provisioning`,
///   `provisioned`, `degraded`, `releasing`, `failed` unless `rollback_available` (a failed launch
///   may still hold its VM), and `payment_required` created at or after ``unpaidSince`` (an unpaid
///   order holds its reservation for the payment window);
/// - resource claims of the namespace whose allocation is not counted above: a VM being reset
///   (`cleaning`) or `quarantined` after its allocation was released stays occupied.
///
/// The order is refused when what occupies the backend for its plan reaches ``planSlots``, or
/// everything reaches ``totalSlots``. This is exact when every VM serves every plan, or when plans
/// have disjoint VMs. When plans share some VMs it is an approximation: orders of another plan
/// holding a shared VM do not count against ``planSlots``, and ``totalSlots`` bounds the sum.
public struct ReservationLimit: Sendable, Equatable {
    /// The backend: the allocations' `backend` and the resource claims' namespace.
    public var namespace: String
    /// How many VMs could serve the order's plan.
    public var planSlots: Int
    /// How many VMs the backend could hold in all.
    public var totalSlots: Int
    /// Orders still waiting for payment that were created before this no longer hold a reservation.
    public var unpaidSince: Date

    /// Creates a limit.
    public init(namespace: String, planSlots: Int, totalSlots: Int, unpaidSince: Date) {
        self.namespace = namespace
        self.planSlots = planSlots
        self.totalSlots = totalSlots
        self.unpaidSince = unpaidSince
    }

    /// The limit of a backend's reported `slots`, with unpaid orders holding their reservation for
    /// `paymentWindowSeconds` before `now`.
    public init(namespace: String, slots: CapacitySlots, paymentWindowSeconds: Int, now: Date) {
        self.init(
            namespace: namespace, planSlots: slots.plan, totalSlots: slots.total,
            unpaidSince: now.addingTimeInterval(-TimeInterval(paymentWindowSeconds)))
    }

    /// The states whose allocations always occupy their backend.
    static let occupyingStates: [LaunchProofStatus] = [.paid, .provisioning, .provisioned, .degraded, .releasing]

    /// What occupies the backend now, counted by the store.
    struct Occupancy: Sendable, Equatable {
        /// Occupants serving the order's plan.
        var plan: Int
        /// All occupants.
        var total: Int
    }

    /// The outcome for an order when `occupancy` is what the store counted: `nil` when it fits.
    func refusal(_ occupancy: Occupancy) -> InsertOrderOutcome? {
        if occupancy.plan >= planSlots { return .capacityExhausted(reserved: occupancy.plan, slots: planSlots) }
        if occupancy.total >= totalSlots { return .capacityExhausted(reserved: occupancy.total, slots: totalSlots) }
        return nil
    }
}
