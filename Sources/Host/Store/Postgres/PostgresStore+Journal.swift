import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    public func unfinishedJournalEntries() async throws -> [JournalEntry] {
        try await rows("SELECT * FROM journal WHERE finished_at IS NULL ORDER BY started_at, seq")
            .map(Self.journalEntry(row:))
    }

    public func journalEntries(allocationID: String) async throws -> [JournalEntry] {
        try await rows("SELECT * FROM journal WHERE allocation_id = \(allocationID) ORDER BY started_at, seq")
            .map(Self.journalEntry(row:))
    }

    public func appendAudit(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await transaction { c in
            for event in events { try await Self.insert(event, c, logger) }
        }
    }

    public func auditEvents(allocationID: String) async throws -> [AuditEvent] {
        try await rows("SELECT * FROM audit_events WHERE allocation_id = \(allocationID) ORDER BY id")
            .map(Self.auditEvent(row:))
    }

    public func auditEvents(matching filter: AuditFilter, limit: Int, beforeID: Int64?) async throws -> [AuditEvent] {
        var conditions = PostgresFilter()
        conditions.add("allocation_id", equals: filter.allocationID)
        conditions.add("user_id", equals: filter.userID)
        conditions.add("kind", equals: filter.kind)
        if let beforeID { conditions.add("id < \(conditions.bind(beforeID))") }
        let limit = conditions.bind(max(1, limit))
        let sql = "SELECT * FROM audit_events \(conditions.whereClause) ORDER BY id DESC LIMIT \(limit)"
        return try await rows(conditions.query(sql)).map(Self.auditEvent(row:))
    }

    static func insert(_ entry: JournalEntry, _ c: PostgresConnection, _ logger: Logger) async throws {
        try await c.query(
            """
            INSERT INTO journal
                (op_id, allocation_id, backend, operation, step, started_at, finished_at, outcome, attempt)
            VALUES (\(entry.opID), \(entry.allocationID), \(entry.backend), \(entry.operation.rawValue),
                    \(entry.step), \(entry.startedAt.timeIntervalSince1970),
                    \(entry.finishedAt?.timeIntervalSince1970), \(entry.outcome), \(entry.attempt))
            """, logger: logger)
    }

    static func insert(_ event: AuditEvent, _ c: PostgresConnection, _ logger: Logger) async throws {
        try await c.query(
            """
            INSERT INTO audit_events (at, kind, allocation_id, user_id, actor, request_id, detail)
            VALUES (\(event.at.timeIntervalSince1970), \(event.kind), \(event.allocationID), \(event.userID),
                    \(event.actor), \(event.requestID), \(event.detail))
            """, logger: logger)
    }

    fileprivate static func auditEvent(row: PostgresRow) throws -> AuditEvent {
        let r = row.makeRandomAccess()
        return AuditEvent(
            id: try r["id"].decode(Int64.self), at: Date(timeIntervalSince1970: try r["at"].decode(Double.self)),
            kind: try r["kind"].decode(String.self), allocationID: try r["allocation_id"].decode(String?.self),
            userID: try r["user_id"].decode(String?.self), actor: try r["actor"].decode(String.self),
            requestID: try r["request_id"].decode(String?.self), detail: try r["detail"].decode(String?.self))
    }

    fileprivate static func journalEntry(row: PostgresRow) throws -> JournalEntry {
        let r = row.makeRandomAccess()
        let operation = try JournalEntry.Operation(
            stored: try r["operation"].decode(String.self), column: "journal.operation")
        return JournalEntry(
            opID: try r["op_id"].decode(String.self), allocationID: try r["allocation_id"].decode(String.self),
            backend: try r["backend"].decode(String.self), operation: operation,
            step: try r["step"].decode(String.self),
            startedAt: Date(timeIntervalSince1970: try r["started_at"].decode(Double.self)),
            finishedAt: try r["finished_at"].decode(Double?.self).map { Date(timeIntervalSince1970: $0) },
            outcome: try r["outcome"].decode(String?.self), attempt: try r["attempt"].decode(Int?.self))
    }
}
