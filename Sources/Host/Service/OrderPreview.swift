public import ProvisionerAPI

/// What an order would get if it were sent now, as a dry run computes it (DESIGN.md section 12):
/// nothing of it was written.
public struct OrderPreview: Sendable {
    /// What admission control found about the backend's capacity.
    public struct Capacity: Sendable, Equatable {
        /// Whether the backend answers ``CapacityReporting`` (asked before every order).
        public var reported: Bool
        /// Its answer: `nil` when not asked, `false` when it refused or could not prove room.
        public var hasRoom: Bool?
        /// The slots a ``CapacityCounting`` backend reports; `nil` when it counts none.
        public var slots: CapacitySlots?
        /// What occupies the backend for the plan (orders holding a reservation, VMs handed out).
        public var occupiedForPlan: Int?
        /// What occupies the backend in all.
        public var occupiedInAll: Int?
    }

    /// The per-user cap on active paid VMs.
    public struct Quota: Sendable, Equatable {
        /// Whether the cap applies to this order (a paid plan and a cap configured).
        public var applies: Bool
        /// `limits.max_paid_vms_per_user` (0: no cap).
        public var limit: Int
        /// The user's active paid VMs now.
        public var activePaid: Int
    }

    /// The order as validated.
    public var order: NewOrder
    /// Its plan.
    public var plan: PlanSpec
    /// The backend that would serve it.
    public var backend: String
    /// Whether that backend creates nothing real.
    public var isDemo: Bool
    /// The order already made under the same `Idempotency-Key` and body, which a real order would
    /// return instead of making a new one.
    public var replayOf: String?
    /// Capacity, as admission would find it.
    public var capacity: Capacity
    /// The paid-VM cap, as admission would find it.
    public var quota: Quota
    /// The requested ports that `limits.blocked_ports` refuses.
    public var blockedPorts: [Int]
    /// Why a real order would be refused now (the first refusal, in the order a real order meets
    /// them), or `nil` when it would be accepted.
    public var refusal: ProvisionerError?
    /// For a backend that hands out existing VMs (the pool), the VM the order would be offered now.
    public var offeredVM: VmAllocation?

    /// Whether a real order would be accepted (or replayed) now.
    public var wouldBeAccepted: Bool { refusal == nil }
}
