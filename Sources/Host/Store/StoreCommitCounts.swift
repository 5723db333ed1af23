/// What a store committed since it was opened: the measure behind DESIGN.md section 8's commit
/// budget (create -> provisioned at most 3, release at most 2), and the bench's.
public struct StoreCommitCounts: Sendable, Equatable, Codable {
    /// Write transactions: one per store call that wrote something (a grouped write counts as
    /// one; the SQLite store does not count a write transaction that changed nothing, such as a
    /// claim that found no work).
    public var transactions: Int
    /// Durable commits that carried them (each one fsync); fewer than ``transactions`` when
    /// concurrent transactions shared a group commit.
    public var commits: Int

    public init(transactions: Int = 0, commits: Int = 0) {
        self.transactions = transactions
        self.commits = commits
    }

    /// The counts in the Prometheus text format (`/metrics`).
    public var prometheusText: String {
        [
            "# HELP provisioner_store_transactions_total Write transactions the store committed.",
            "# TYPE provisioner_store_transactions_total counter",
            "provisioner_store_transactions_total \(transactions)",
            "# HELP provisioner_store_commits_total Durable commits (fsyncs) that carried them.",
            "# TYPE provisioner_store_commits_total counter",
            "provisioner_store_commits_total \(commits)",
        ].joined(separator: "\n") + "\n"
    }

    /// What was committed between `earlier` and these counts.
    public func since(_ earlier: StoreCommitCounts) -> StoreCommitCounts {
        StoreCommitCounts(transactions: transactions - earlier.transactions, commits: commits - earlier.commits)
    }
}

/// A store that counts its commits (both the SQLite and the PostgreSQL store do).
public protocol CommitCounting: Sendable {
    /// What this store instance committed since it was opened.
    var commitCounts: StoreCommitCounts { get }
}
