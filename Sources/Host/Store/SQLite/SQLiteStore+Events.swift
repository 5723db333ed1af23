public import Foundation
import GRDB

extension SQLiteStore {
    public func appendEvents(_ events: [LifecycleEvent]) async throws {
        guard !events.isEmpty else { return }
        try await writer.write { db in
            for event in events { try Self.insert(event, db) }
        }
    }

    public func lifecycleEvents(matching filter: LifecycleEventFilter, limit: Int, beforeID: Int64?) async throws
        -> [LifecycleEvent]
    {
        var filterClause = SQLiteFilter()
        filterClause.add("allocation_id", equals: filter.allocationID)
        filterClause.add("kind", equals: filter.kind)
        filterClause.add("host_id", equals: filter.hostID)
        if let beforeID { filterClause.add("id < ?", beforeID) }
        let sql = "SELECT * FROM lifecycle_events \(filterClause.whereClause) ORDER BY id DESC LIMIT ?"
        let statementArguments = filterClause.arguments(then: max(1, limit))
        return try await writer.read { db in
            try Row.fetchAll(db, sql: sql, arguments: statementArguments).map(Self.lifecycleEvent(row:))
        }
    }

    public func lifecycleEvents(allocationID: String) async throws -> [LifecycleEvent] {
        try await writer.read { db in
            try Row.fetchAll(
                db, cachedSQL: "SELECT * FROM lifecycle_events WHERE allocation_id = ? ORDER BY id",
                arguments: [allocationID]
            ).map(Self.lifecycleEvent(row:))
        }
    }

    public func upsertUser(id: String, forgeID: String?, now: Date) async throws -> UserRecord {
        try await writer.write { db in
            try Self.upsertUser(id: id, forgeID: forgeID, now: now, db)
            guard let row = try Row.fetchOne(db, cachedSQL: "SELECT * FROM users WHERE id = ?", arguments: [id]) else {
                throw StoreError.corruptRow("users row \(id) vanished inside its own transaction")
            }
            return Self.userRecord(row: row)
        }
    }

    public func user(id: String) async throws -> UserRecord? {
        try await writer.read { db in
            try Row.fetchOne(db, cachedSQL: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(
                Self.userRecord(row:))
        }
    }

    static func insert(_ event: LifecycleEvent, _ db: Database) throws {
        try db.execute(
            cachedSQL: """
                INSERT INTO lifecycle_events (at, kind, allocation_id, backend, backend_ref, detail, host_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                event.at.timeIntervalSince1970, event.kind, event.allocationID, event.backend, event.backendRef,
                event.detail, event.hostID,
            ])
    }

    fileprivate static func lifecycleEvent(row: Row) -> LifecycleEvent {
        LifecycleEvent(
            id: row["id"], at: Date(timeIntervalSince1970: row["at"]), kind: row["kind"],
            allocationID: row["allocation_id"], backend: row["backend"], backendRef: row["backend_ref"],
            detail: row["detail"], hostID: row["host_id"])
    }

    fileprivate static func userRecord(row: Row) -> UserRecord {
        UserRecord(
            userID: row["id"], forgeID: row["forge_id"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }
}
