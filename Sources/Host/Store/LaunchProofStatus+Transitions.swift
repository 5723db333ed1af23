extension LaunchProofStatus {
    /// The states an allocation may move to from this one: derived from ``AllocationLifecycle``
    /// (``AllocationLifecycle/legalMoves``), the one place that decides transitions. Every store
    /// enforces it in its `transition`, so no code path can make a move the lifecycle never makes.
    public var allowedNext: Set<LaunchProofStatus> {
        AllocationLifecycle.legalMoves[self] ?? []
    }

    /// Whether moving to `next` is a legal transition.
    public func canMove(to next: LaunchProofStatus) -> Bool {
        allowedNext.contains(next)
    }

    /// Whether a commit may move from this state to `next`, passing through `via` when it makes
    /// two legal moves at once (``AllocationChange/via``): each move must be legal.
    public func canMove(to next: LaunchProofStatus, via: LaunchProofStatus?) -> Bool {
        guard let via, via != self, via != next else { return canMove(to: next) }
        return canMove(to: via) && via.canMove(to: next)
    }
}
