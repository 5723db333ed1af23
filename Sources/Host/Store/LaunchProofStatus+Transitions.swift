extension LaunchProofStatus {
    /// The states an allocation may move to from this one: the launch-proof state machine of
    /// DESIGN.md section 6, in one table. Every store enforces it in its `transition`, so no code
    /// path can make an illegal move.
    public var allowedNext: Set<LaunchProofStatus> {
        switch self {
        case .paymentRequired: [.paid, .released]
        case .paid: [.provisioning, .released]
        case .provisioning: [.provisioning, .provisioned, .degraded, .failed, .rolledBack]
        case .provisioned: [.degraded, .releasing, .failed]
        case .degraded: [.provisioned, .releasing, .failed]
        case .failed: [.paid, .releasing]
        case .rolledBack: [.paid, .released]
        case .releasing: [.released, .failed]
        case .released: []
        }
    }

    /// Whether moving to `next` is a legal transition.
    public func canMove(to next: LaunchProofStatus) -> Bool {
        allowedNext.contains(next)
    }
}
