import Foundation
import GRDB
import Testing

@testable import Host

/// The configured `synchronous` level is the one the committing connection runs with. GRDB's
/// `DatabasePool` sets `synchronous = NORMAL` when it turns WAL on, after `prepareDatabase` ran,
/// which silently made every "FULL" store commit without an fsync.
struct SQLiteSynchronousTests {
    @Test(.timeLimit(.minutes(1)), arguments: [("full", 2), ("normal", 1)])
    func theWriterCommitsAtTheConfiguredLevel(configured: String, pragmaValue: Int) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("store.sqlite").path
            let store = try SQLiteStore(path: path, synchronous: configured)
            try await store.migrate()
            let level = try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(level == pragmaValue, "synchronous=\(configured) gave PRAGMA synchronous \(level ?? -1)")
            try await store.close()
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theDefaultIsFull() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStore(path: directory.appendingPathComponent("store.sqlite").path)
            let level = try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(level == 2)
            try await store.close()
        }
    }
}
