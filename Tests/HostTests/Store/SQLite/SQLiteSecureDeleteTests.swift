import Foundation
import GRDB
import Testing

@testable import Host

/// Deleting rows costs no extra WAL writes. Debian builds SQLite with `secure_delete` on, which
/// zeroes every freed page through the WAL: publishing a new pool catalog deleted the previous
/// one's parts and wrote all of them again as zeros, in the commit allocations wait behind.
struct SQLiteSecureDeleteTests {
    @Test(.timeLimit(.minutes(1)))
    func publishingACatalogDoesNotRewriteTheDeletedParts() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("store.sqlite").path
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            let part = String(repeating: "x", count: 64 * 1024)
            let first = try await store.writeCatalogParts(
                namespace: "pool", payloads: Array(repeating: part, count: 40))
            _ = try await store.publishCatalog(namespace: "pool", parts: first, seed: false, now: Date())
            let second = try await store.writeCatalogParts(
                namespace: "pool", payloads: Array(repeating: part, count: 2))
            // An empty WAL, so its size afterwards is what the publish alone wrote.
            try await store.writer.database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
            _ = try await store.publishCatalog(namespace: "pool", parts: second, seed: false, now: Date())
            let wal = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
            // The 40 deleted parts are 2.5 MB; a publish that leaves them on the free list writes
            // a few pages (with secure_delete on it wrote over 2.5 MB).
            #expect(wal < 256 * 1024, "publishing wrote \(wal) bytes to the WAL")
            let mode = try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA secure_delete") }
            #expect(mode == 2, "PRAGMA secure_delete is \(mode ?? -1), not FAST (2)")
            try await store.close()
        }
    }
}
