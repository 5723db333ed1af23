public import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    public func appendEvents(_ events: [LifecycleEvent]) async throws {
        guard !events.isEmpty else { return }
        try await transaction { c in
            for event in events { try await Self.insert(event, c, logger) }
        }
    }

    public func lifecycleEvents(matching filter: LifecycleEventFilter, limit: Int, beforeID: Int64?) async throws
        -> [LifecycleEvent]
    {
        var conditions = PostgresFilter()
        conditions.add("allocation_id", equals: filter.allocationID)
        conditions.add("kind", equals: filter.kind)
        conditions.add("host_id", equals: filter.hostID)
        if let beforeID { conditions.add("id < \(conditions.bind(beforeID))") }
        let limit = conditions.bind(max(1, limit))
        let sql = "SELECT * FROM lifecycle_events \(conditions.whereClause) ORDER BY id DESC LIMIT \(limit)"
        return try await rows(conditions.query(sql)).map(Self.lifecycleEvent(row:))
    }

    public func lifecycleEvents(allocationID: String) async throws -> [LifecycleEvent] {
        try await rows("SELECT * FROM lifecycle_events WHERE allocation_id = \(allocationID) ORDER BY id")
            .map(Self.lifecycleEvent(row:))
    }

    public func upsertUser(id: String, forgeID: String?, now: Date) async throws -> UserRecord {
        let at = now.timeIntervalSince1970
        let rows = try await rows(
            """
            INSERT INTO users (id, forge_id, created_at, updated_at) VALUES (\(id), \(forgeID), \(at), \(at))
            ON CONFLICT (id) DO UPDATE SET
                forge_id = COALESCE(excluded.forge_id, users.forge_id),
                updated_at = CASE WHEN excluded.forge_id IS NULL THEN users.updated_at ELSE excluded.updated_at END
            RETURNING *
            """)
        guard let row = rows.first else { throw StoreError.corruptRow("upserting user \(id) returned no row") }
        return try Self.userRecord(row: row)
    }

    public func user(id: String) async throws -> UserRecord? {
        try await rows("SELECT * FROM users WHERE id = \(id)").first.map(Self.userRecord(row:))
    }

    static func insert(_ event: LifecycleEvent, _ c: PostgresConnection, _ logger: Logger) async throws {
        try await c.query(
            """
            INSERT INTO lifecycle_events (at, kind, allocation_id, backend, backend_ref, detail, host_id)
            VALUES (\(event.at.timeIntervalSince1970), \(event.kind), \(event.allocationID), \(event.backend),
                    \(event.backendRef), \(event.detail), \(event.hostID))
            """, logger: logger)
    }

    fileprivate static func lifecycleEvent(row: PostgresRow) throws -> LifecycleEvent {
        let r = row.makeRandomAccess()
        return LifecycleEvent(
            id: try r["id"].decode(Int64.self), at: Date(timeIntervalSince1970: try r["at"].decode(Double.self)),
            kind: try r["kind"].decode(String.self), allocationID: try r["allocation_id"].decode(String?.self),
            backend: try r["backend"].decode(String.self), backendRef: try r["backend_ref"].decode(String?.self),
            detail: try r["detail"].decode(String?.self), hostID: try r["host_id"].decode(String?.self))
    }

    fileprivate static func userRecord(row: PostgresRow) throws -> UserRecord {
        let r = row.makeRandomAccess()
        return UserRecord(
            userID: try r["id"].decode(String.self), forgeID: try r["forge_id"].decode(String?.self),
            createdAt: Date(timeIntervalSince1970: try r["created_at"].decode(Double.self)),
            updatedAt: Date(timeIntervalSince1970: try r["updated_at"].decode(Double.self)))
    }
}
