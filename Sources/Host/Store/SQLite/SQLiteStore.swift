import Foundation
public import GRDB

/// The embedded default ``Store``: SQLite through GRDB, in WAL mode, `synchronous=FULL` unless
/// configured otherwise.
///
/// Writes are serialized by SQLite itself, so the idempotency key check, the paid-VM cap and the
/// work claim are each atomic within one write transaction. Concurrent writes share a commit
/// (``GroupCommitWriter``): each runs in its own savepoint and is answered after the commit.
public final class SQLiteStore: Store, CommitCounting {
    /// Every write goes through its batch; reads go to the database underneath.
    let writer: GroupCommitWriter
    /// The public status read's own connections; `nil` for an in-memory store or a wrapped writer.
    let statusReaders: SQLiteStatusReaders?

    /// Opens (creating if needed) the database at `path`; `:memory:` gives a private in-memory store.
    ///
    /// - Throws: ``StoreError`` when the file or its directory cannot be created or opened.
    public init(path: String, synchronous: String = "full") throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let pragma = synchronous.uppercased() == "NORMAL" ? "NORMAL" : "FULL"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(pragma)")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // The savepoint each grouped write runs in keeps its undo pages in memory, not in a
            // temporary file per transaction. Commits are unaffected: they go to the WAL.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // Debian's SQLite is built with secure_delete on: every page a DELETE frees is zeroed
            // through the WAL, so replacing the pool catalog's parts wrote 8 MB in the commit that
            // publishes it, and allocations waited behind it. FAST still zeroes deleted content
            // on the pages the write touches anyway, without extra I/O.
            try db.execute(sql: "PRAGMA secure_delete = FAST")
        }
        let database: any DatabaseWriter
        if path == ":memory:" {
            database = try DatabaseQueue(configuration: configuration)
        } else {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                do {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                } catch {
                    throw StoreError.unavailable(
                        "cannot create the store directory '\(directory)': \(error.localizedDescription)")
                }
            }
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                // GRDB turns WAL on with `synchronous = NORMAL` after `prepareDatabase` ran, so the
                // writer (the connection that commits) gets the configured level back here.
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(pragma)") }
                database = pool
            } catch {
                throw StoreError.unavailable("cannot open the SQLite store at '\(path)': \(error)")
            }
        }
        writer = GroupCommitWriter(database: database)
        statusReaders =
            path == ":memory:"
            ? nil
            : SQLiteStatusReaders(
                path: path, sql: Self.publicStatusSQL,
                maxConnections: 2 * ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Wraps an existing GRDB writer (tests use in-memory queues and on-disk pools).
    public init(writer: any DatabaseWriter) {
        self.writer = GroupCommitWriter(database: writer)
        statusReaders = nil
    }

    /// What this store committed since it was opened: its transactions (one per write method
    /// call) and the SQLite commits that carried them (fewer, when concurrent writes shared one).
    public var commitCounts: StoreCommitCounts {
        let counts = writer.committed
        return StoreCommitCounts(transactions: counts.transactions, commits: counts.commits)
    }

    public func migrate() async throws {
        try Migrations.migrator.migrate(writer.database)
    }

    public func ping() async throws {
        _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func close() async throws {
        statusReaders?.close()
        if let pool = writer.database as? DatabasePool {
            try pool.close()
        } else if let queue = writer.database as? DatabaseQueue {
            try queue.close()
        }
    }
}
