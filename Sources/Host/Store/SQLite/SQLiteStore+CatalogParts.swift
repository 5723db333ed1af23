public import Foundation
import GRDB
public import ProvisionerAPI

extension SQLiteStore {
    public func writeCatalogParts(namespace: String, payloads: [String]) async throws -> [Int64] {
        guard !payloads.isEmpty else { return [] }
        return try await writer.write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT INTO backend_catalog_parts (namespace, payload) VALUES (?, ?)")
            return try payloads.map { payload in
                try statement.execute(arguments: [namespace, payload])
                return db.lastInsertedRowID
            }
        }
    }

    public func writeCatalogParts(namespace: String, bytes: [[UInt8]]) async throws -> [Int64] {
        guard !bytes.isEmpty else { return [] }
        return try await writer.write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT INTO backend_catalog_parts (namespace, payload, packed) VALUES (?, '', ?)")
            return try bytes.map { part in
                try statement.execute(arguments: [namespace, Data(part)])
                return db.lastInsertedRowID
            }
        }
    }

    public func publishCatalog(namespace: String, parts: [Int64], seed: Bool, now: Date) async throws
        -> CatalogPublishOutcome
    {
        try await writer.write { db in
            let current = try Row.fetchOne(
                db, sql: "SELECT generation, parts FROM backend_catalogs WHERE namespace = ?", arguments: [namespace])
            if seed, let current {
                try Self.deleteCatalogParts(db, namespace: namespace, ids: parts)
                return .alreadyStored(generation: current["generation"])
            }
            let present = try Set(
                Int64.fetchAll(
                    db, sql: "SELECT id FROM backend_catalog_parts WHERE namespace = ? AND id IN \(Self.list(parts))",
                    arguments: [namespace]))
            let missing = parts.filter { !present.contains($0) }
            guard missing.isEmpty else { return .missingParts(missing) }
            let next = (current?["generation"] as Int64? ?? 0) + 1
            try db.execute(
                sql: """
                    INSERT INTO backend_catalogs (namespace, generation, payload, saved_at, parts) VALUES (?, ?, '', ?, ?)
                    ON CONFLICT(namespace) DO UPDATE SET
                        generation = excluded.generation, payload = excluded.payload, saved_at = excluded.saved_at,
                        parts = excluded.parts
                    """,
                arguments: [namespace, next, now.timeIntervalSince1970, CatalogPartList.text(parts)])
            // The previous catalog's parts this one does not use, and parts written but never
            // published (a refresh that crashed or lost a race) older than the newest part here.
            let kept = Set(parts)
            let previous = CatalogPartList.ids(current?["parts"] as String?).filter { !kept.contains($0) }
            try Self.deleteCatalogParts(db, namespace: namespace, ids: previous)
            try db.execute(
                sql: """
                    DELETE FROM backend_catalog_parts
                    WHERE namespace = ? AND id <= ? AND id NOT IN \(Self.list(parts))
                    """,
                arguments: [namespace, parts.max() ?? Int64.max])
            return .published(generation: next)
        }
    }

    public func catalogParts(namespace: String) async throws -> StoredCatalogParts? {
        try await writer.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT generation, payload, parts FROM backend_catalogs WHERE namespace = ?",
                    arguments: [namespace])
            else { return nil }
            let generation: Int64 = row["generation"]
            guard let text: String = row["parts"] else {
                return StoredCatalogParts(
                    generation: generation, parts: [StoredCatalogPart(id: 0, payload: row["payload"])])
            }
            let ids = CatalogPartList.ids(text)
            var parts: [Int64: StoredCatalogPart] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, payload, packed FROM backend_catalog_parts
                    WHERE namespace = ? AND id IN \(Self.list(ids))
                    """,
                arguments: [namespace])
            while let row = try rows.next() {
                let id: Int64 = row["id"]
                let packed: Data? = row["packed"]
                parts[id] = StoredCatalogPart(id: id, payload: row["payload"], bytes: packed.map { [UInt8]($0) })
            }
            return StoredCatalogParts(
                generation: generation,
                parts: try ids.map { id in
                    guard let part = parts[id] else {
                        throw StoreError.corruptRow("catalog part \(id) of \(namespace) is missing")
                    }
                    return part
                })
        }
    }

    private static func deleteCatalogParts(_ db: Database, namespace: String, ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try db.execute(
            sql: "DELETE FROM backend_catalog_parts WHERE namespace = ? AND id IN \(list(ids))", arguments: [namespace])
    }

    /// `(1,2,3)`: ids are integers the store made, so they are written into the SQL directly.
    private static func list(_ ids: [Int64]) -> String {
        "(" + ids.map(String.init).joined(separator: ",") + ")"
    }
}
