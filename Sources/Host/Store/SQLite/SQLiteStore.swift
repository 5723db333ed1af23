import Foundation
public import GRDB

/// The embedded default ``Store``: SQLite through GRDB, in WAL mode, `synchronous=FULL` unless
/// configured otherwise.
///
/// Writes are serialized by SQLite itself, so the idempotency key check, the paid-VM cap and the
/// work claim are each atomic within one write transaction.
public final class SQLiteStore: Store {
    let writer: any DatabaseWriter

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
        }
        if path == ":memory:" {
            writer = try DatabaseQueue(configuration: configuration)
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
                writer = try DatabasePool(path: path, configuration: configuration)
            } catch {
                throw StoreError.unavailable("cannot open the SQLite store at '\(path)': \(error)")
            }
        }
    }

    /// Wraps an existing GRDB writer (tests use in-memory queues and on-disk pools).
    public init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    public func migrate() async throws {
        try Migrations.migrator.migrate(writer)
    }

    public func ping() async throws {
        _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func close() async throws {
        if let pool = writer as? DatabasePool {
            try pool.close()
        } else if let queue = writer as? DatabaseQueue {
            try queue.close()
        }
    }
}
