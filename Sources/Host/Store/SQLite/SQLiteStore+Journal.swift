public import Foundation
import GRDB

extension SQLiteStore {
    public func unfinishedJournalEntries() async throws -> [JournalEntry] {
        try await writer.read { db in
            try Row.fetchAll(db, cachedSQL: "SELECT * FROM journal WHERE finished_at IS NULL ORDER BY started_at")
                .map(Self.journalEntry(row:))
        }
    }

    public func journalEntries(allocationID: String) async throws -> [JournalEntry] {
        try await writer.readOneStatement { db in
            try Row.fetchAll(
                db, cachedSQL: "SELECT * FROM journal WHERE allocation_id = ? ORDER BY started_at, rowid",
                arguments: [allocationID]
            ).map(Self.journalEntry(row:))
        }
    }

    public func appendAudit(_ events: [AuditEvent]) async throws {
        try await writer.write { db in
            for event in events { try Self.insert(event, db) }
        }
    }

    public func auditEvents(allocationID: String) async throws -> [AuditEvent] {
        try await writer.read { db in
            try Row.fetchAll(
                db, cachedSQL: "SELECT * FROM audit_events WHERE allocation_id = ? ORDER BY id",
                arguments: [allocationID]
            ).map(Self.auditEvent(row:))
        }
    }

    public func auditEvents(matching filter: AuditFilter, limit: Int, beforeID: Int64?) async throws -> [AuditEvent] {
        var filterClause = SQLiteFilter()
        filterClause.add("allocation_id", equals: filter.allocationID)
        filterClause.add("user_id", equals: filter.userID)
        filterClause.add("kind", equals: filter.kind)
        if let beforeID { filterClause.add("id < ?", beforeID) }
        let sql = "SELECT * FROM audit_events \(filterClause.whereClause) ORDER BY id DESC LIMIT ?"
        let statementArguments = filterClause.arguments(then: max(1, limit))
        return try await writer.read { db in
            try Row.fetchAll(db, sql: sql, arguments: statementArguments).map(Self.auditEvent(row:))
        }
    }

    static func auditEvent(row: Row) -> AuditEvent {
        AuditEvent(
            id: row["id"], at: Date(timeIntervalSince1970: row["at"]), kind: row["kind"],
            allocationID: row["allocation_id"], userID: row["user_id"], actor: row["actor"],
            requestID: row["request_id"], detail: row["detail"])
    }

    static func insert(_ entry: JournalEntry, _ db: Database) throws {
        try db.execute(
            cachedSQL: """
                INSERT INTO journal
                    (op_id, allocation_id, backend, operation, step, started_at, finished_at, outcome, attempt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                entry.opID, entry.allocationID, entry.backend, entry.operation.rawValue, entry.step,
                entry.startedAt.timeIntervalSince1970, entry.finishedAt?.timeIntervalSince1970, entry.outcome,
                entry.attempt,
            ])
    }

    static func insert(_ event: AuditEvent, _ db: Database) throws {
        try db.execute(
            cachedSQL: """
                INSERT INTO audit_events (at, kind, allocation_id, user_id, actor, request_id, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                event.at.timeIntervalSince1970, event.kind, event.allocationID, event.userID, event.actor,
                event.requestID, event.detail,
            ])
    }

    static func journalEntry(row: Row) throws -> JournalEntry {
        let operation = try JournalEntry.Operation(stored: row["operation"], column: "journal.operation")
        return JournalEntry(
            opID: row["op_id"], allocationID: row["allocation_id"], backend: row["backend"], operation: operation,
            step: row["step"], startedAt: Date(timeIntervalSince1970: row["started_at"]),
            finishedAt: (row["finished_at"] as Double?).map { Date(timeIntervalSince1970: $0) },
            outcome: row["outcome"], attempt: row["attempt"])
    }
}
