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
}
