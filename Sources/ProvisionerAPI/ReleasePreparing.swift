public import Logging

/// What releasing a delivered VM changes in a backend's claim ledger, prepared and not yet
/// committed, and what the backend does once the Host committed it.
public struct PreparedRelease: Sendable {
    /// The claim changes to commit with the allocation's `released` (none: nothing was held, or
    /// the backend already committed its release itself).
    public var writes: [ClaimWrite]
    /// Runs after the writes committed (the pool puts the VM back on its free list or queues its
    /// release hook). Never runs when the commit failed: the release is then tried again.
    public var committed: @Sendable () -> Void

    /// Creates a prepared release.
    public init(writes: [ClaimWrite] = [], committed: @escaping @Sendable () -> Void = {}) {
        self.writes = writes
        self.committed = committed
    }
}

/// An optional capability: a backend whose release of a delivered VM is only a change to its
/// ``ClaimLedger`` (the pool backend). The Host then records the release in one commit (DESIGN.md
/// section 8, "Commits"): it asks for the change with ``prepareRelease(_:logger:)``, commits the
/// returned writes in the same transaction as the allocation's `released` (conditional on the
/// lease epoch it holds, like every worker write), and then calls ``PreparedRelease/committed``.
///
/// Implementation requirements: ``prepareRelease(_:logger:)`` commits nothing of its own when its
/// ledger defers writes (it may read), so a crash before the Host's commit leaves the VM held and
/// the release open in the journal, to be run again; it prepares what
/// ``Provisioner/release(_:logger:)`` would do for the same allocation (idempotent: nothing held,
/// no writes). Teardowns of failed attempts still call ``Provisioner/release(_:logger:)``.
public protocol ReleasePreparing: Provisioner {
    /// The ledger change releasing `allocation` makes, not committed.
    ///
    /// - Throws: ``ProvisionerError`` `backend_unavailable` when the ledger cannot be read.
    func prepareRelease(_ allocation: VmAllocation, logger: Logger) async throws -> PreparedRelease
}
