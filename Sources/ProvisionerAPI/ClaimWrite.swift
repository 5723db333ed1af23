/// A change to one claim that a ``ClaimLedger`` prepared without committing it, so the Host can
/// commit it inside the transaction that records why it happened (a release: DESIGN.md section 8,
/// "Commits"). Made only by ``ClaimLedger/deferredWrite(_:of:for:)``; a plugin passes it on.
public struct ClaimWrite: Sendable, Hashable {
    /// What happens to the claim.
    public enum Change: Sendable, Hashable {
        /// The claim is removed: the resource is free again.
        case free
        /// The claim moves to `state` (a release into a reset: ``ClaimState/cleaning``).
        case state(ClaimState, note: String?)
    }

    /// The ledger's own scope for the claim (the Host's store namespace); opaque to plugins.
    public var scope: String
    /// The resource whose claim changes.
    public var resource: String
    /// The allocation that holds it.
    public var allocationID: String
    /// The change, applied only while the allocation still holds the resource
    /// ``ClaimState/assigned`` (a claim that moved on meanwhile is left as it is).
    public var change: Change

    /// Creates a write (ledgers do; see ``ClaimLedger/deferredWrite(_:of:for:)``).
    public init(scope: String, resource: String, allocationID: String, change: Change) {
        self.scope = scope
        self.resource = resource
        self.allocationID = allocationID
        self.change = change
    }
}
