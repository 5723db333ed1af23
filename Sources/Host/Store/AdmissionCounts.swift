/// What admission counts for an order, as ``Store/admissionCounts(userID:plan:reservation:)``
/// reads it for a dry run: the same counts ``Store/insertOrder(_:maxActivePaid:reservation:audit:)``
/// makes in the order's transaction.
public struct AdmissionCounts: Sendable, Equatable {
    /// The user's active VMs on paid plans (what `limits.max_paid_vms_per_user` caps).
    public var activePaid: Int
    /// What occupies the backend for the order's plan; `nil` when no reservation was asked about.
    public var occupiedForPlan: Int?
    /// What occupies the backend in all; `nil` when no reservation was asked about.
    public var occupiedInAll: Int?

    /// Creates the counts.
    public init(activePaid: Int, occupiedForPlan: Int? = nil, occupiedInAll: Int? = nil) {
        self.activePaid = activePaid
        self.occupiedForPlan = occupiedForPlan
        self.occupiedInAll = occupiedInAll
    }
}
