public import Foundation
import GRDB

extension SQLiteStore {
    public func insertOrder(_ order: OrderInsertion) async throws -> InsertOrderOutcome {
        try await writer.write { db in
            let record = order.record
            if let key = record.idempotencyKey,
                let row = try Row.fetchOne(
                    db,
                    cachedSQL: "SELECT \(AllocationRecord.Columns.selected) FROM allocations WHERE idempotency_key = ?",
                    arguments: [key])
            {
                let existing = try AllocationRecord(row: row)
                if existing.requestFingerprint == record.requestFingerprint {
                    return .replayed(existing)
                }
                return .idempotencyConflict(existingID: existing.id)
            }
            if record.isPaidPlan, order.maxActivePaid > 0 {
                let active = try Self.countActivePaid(db, userID: record.userID)
                if active >= order.maxActivePaid {
                    return .quotaExceeded(active: active, limit: order.maxActivePaid)
                }
            }
            if let reservation = order.reservation,
                let refusal = reservation.refusal(try Self.occupancy(of: reservation, plan: record.plan, db))
            {
                return refusal
            }
            // Before the order, so an order never exists without its user.
            if let user = order.user {
                try Self.upsertUser(id: user.id, forgeID: user.forgeID, now: record.createdAt, db)
            }
            try Self.insert(record, db)
            try Self.apply(order.journal, db)
            for event in order.audit { try Self.insert(event, db) }
            for event in order.events { try Self.insert(event, db) }
            return .created(record)
        }
    }

    /// Creates the user, or sets the forge id of an existing one when `forgeID` is not `nil`.
    static func upsertUser(id: String, forgeID: String?, now: Date, _ db: Database) throws {
        try db.execute(
            cachedSQL: """
                INSERT INTO users (id, forge_id, created_at, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET
                    forge_id = COALESCE(excluded.forge_id, users.forge_id),
                    updated_at = CASE WHEN excluded.forge_id IS NULL THEN users.updated_at
                                      ELSE excluded.updated_at END
                """,
            arguments: [id, forgeID, now.timeIntervalSince1970, now.timeIntervalSince1970])
    }

    /// Begins and finishes journal entries inside the caller's transaction.
    static func apply(_ journal: [JournalMutation], _ db: Database) throws {
        for mutation in journal {
            switch mutation {
            case .begin(let entry): try insert(entry, db)
            case .finish(let opID, let outcome):
                try db.execute(
                    cachedSQL: """
                        UPDATE journal SET finished_at = ?, outcome = ?, step = 'finished'
                        WHERE op_id = ? AND finished_at IS NULL
                        """,
                    arguments: [Date().timeIntervalSince1970, outcome, opID])
            }
        }
    }
}
