public import Foundation
import GRDB
public import ProvisionerAPI

extension SQLiteStore {
    public func saveCatalog(namespace: String, payload: String, now: Date) async throws -> Int64 {
        try await writer.write { db in
            let current =
                try Int64.fetchOne(
                    db, sql: "SELECT generation FROM backend_catalogs WHERE namespace = ?", arguments: [namespace]) ?? 0
            let next = current + 1
            try db.execute(
                sql: """
                    INSERT INTO backend_catalogs (namespace, generation, payload, saved_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(namespace) DO UPDATE SET
                        generation = excluded.generation, payload = excluded.payload, saved_at = excluded.saved_at,
                        parts = NULL
                    """,
                arguments: [namespace, next, payload, now.timeIntervalSince1970])
            return next
        }
    }

    public func seedCatalog(namespace: String, payload: String, now: Date) async throws -> StoredCatalog {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO backend_catalogs (namespace, generation, payload, saved_at) VALUES (?, 1, ?, ?)
                    ON CONFLICT(namespace) DO NOTHING
                    """,
                arguments: [namespace, payload, now.timeIntervalSince1970])
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT generation, payload FROM backend_catalogs WHERE namespace = ?",
                    arguments: [namespace])
            else { throw StoreError.corruptRow("backend_catalogs row \(namespace) vanished inside its transaction") }
            return StoredCatalog(generation: row["generation"], payload: row["payload"])
        }
    }

    public func catalog(namespace: String) async throws -> StoredCatalog? {
        try await writer.read { db in
            try Row.fetchOne(
                db, sql: "SELECT generation, payload FROM backend_catalogs WHERE namespace = ?", arguments: [namespace]
            ).map { StoredCatalog(generation: $0["generation"], payload: $0["payload"]) }
        }
    }

    public func catalogGeneration(namespace: String) async throws -> Int64? {
        try await writer.readOneStatement { db in
            // Cached: the pool asks before every allocation whether a refresh replaced its catalog.
            try Int64.fetchOne(
                db, cachedSQL: "SELECT generation FROM backend_catalogs WHERE namespace = ?", arguments: [namespace])
        }
    }
}
