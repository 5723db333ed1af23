public import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    public func insertOrder(_ order: OrderInsertion) async throws -> InsertOrderOutcome {
        let record = order.record
        let maxActivePaid = order.maxActivePaid
        let reservation = order.reservation
        return try await transaction { c in
            if let reservation {
                // First the backend's lock, then the user's: the one order every transaction keeps.
                try await Self.lockReservations(of: reservation.namespace, c, logger)
            }
            let capped = record.isPaidPlan && maxActivePaid > 0
            if capped {
                // Serializes this user's capped orders across every connection and replica; the
                // statements below each see what the previous holder committed.
                _ = try await c.rows(
                    "SELECT pg_advisory_xact_lock(\(Self.userLockSpace), hashtext(\(record.userID)))",
                    logger: logger)
            }
            if let key = record.idempotencyKey, let existing = try await Self.allocation(key: key, c, logger) {
                return Self.replay(existing, of: record)
            }
            if capped {
                let active = try await Self.countActivePaid(userID: record.userID, c, logger)
                if active >= maxActivePaid { return .quotaExceeded(active: active, limit: maxActivePaid) }
            }
            if let reservation,
                let refusal = reservation.refusal(
                    try await Self.occupancy(of: reservation, plan: record.plan, folding: true, c, logger))
            {
                return refusal
            }
            // Before the order, so an order never exists without its user.
            if let user = order.user {
                try await Self.upsertUser(id: user.id, forgeID: user.forgeID, now: record.createdAt, c, logger)
            }
            let insert = PostgresQuery(
                unsafeSQL: AllocationRecord.postgresInsertSQL
                    + " ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id",
                binds: try record.postgresBindings())
            guard try await !c.rows(insert, logger: logger).isEmpty else {
                // Another transaction inserted the same key and committed while this one waited on it.
                guard let key = record.idempotencyKey, let existing = try await Self.allocation(key: key, c, logger)
                else { throw StoreError.corruptRow("the idempotency key conflicted but no row holds it") }
                return Self.replay(existing, of: record)
            }
            try await Self.apply(order.journal, c, logger)
            for event in order.audit { try await Self.insert(event, c, logger) }
            for event in order.events { try await Self.insert(event, c, logger) }
            if reservation == nil { try await Self.foldOccupantChanges(of: record.backend, c, logger) }
            return .created(record)
        }
    }

    /// Creates the user, or sets the forge id of an existing one when `forgeID` is not `nil`, inside
    /// the caller's transaction.
    static func upsertUser(
        id: String, forgeID: String?, now: Date, _ c: PostgresConnection, _ logger: Logger
    ) async throws {
        let at = now.timeIntervalSince1970
        try await c.query(
            """
            INSERT INTO users (id, forge_id, created_at, updated_at) VALUES (\(id), \(forgeID), \(at), \(at))
            ON CONFLICT (id) DO UPDATE SET
                forge_id = COALESCE(excluded.forge_id, users.forge_id),
                updated_at = CASE WHEN excluded.forge_id IS NULL THEN users.updated_at ELSE excluded.updated_at END
            """, logger: logger)
    }

    /// Begins and finishes journal entries inside the caller's transaction.
    static func apply(_ journal: [JournalMutation], _ c: PostgresConnection, _ logger: Logger) async throws {
        for mutation in journal {
            switch mutation {
            case .begin(let entry): try await insert(entry, c, logger)
            case .finish(let opID, let outcome):
                try await c.query(
                    """
                    UPDATE journal SET finished_at = \(Date().timeIntervalSince1970), outcome = \(outcome),
                        step = 'finished' WHERE op_id = \(opID) AND finished_at IS NULL
                    """, logger: logger)
            }
        }
    }
}
