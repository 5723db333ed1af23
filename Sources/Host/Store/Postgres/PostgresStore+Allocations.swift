public import Foundation
import Logging
import PostgresNIO
public import ProvisionerAPI

extension PostgresStore {
    /// The first key of the advisory lock that serializes one user's capped paid orders; taken
    /// after ``reservationLockSpace`` when an order takes both.
    static let userLockSpace: Int32 = 0x7573_6572  // "user"

    public func allocation(id: String) async throws -> AllocationRecord? {
        try await rows("SELECT * FROM allocations WHERE id = \(id)").first.map(AllocationRecord.init(postgresRow:))
    }

    public func allocation(idempotencyKey: String) async throws -> AllocationRecord? {
        try await rows("SELECT * FROM allocations WHERE idempotency_key = \(idempotencyKey)").first
            .map(AllocationRecord.init(postgresRow:))
    }

    public func allocations(userID: String) async throws -> [AllocationRecord] {
        try await rows(
            "SELECT * FROM allocations WHERE user_id = \(userID) AND deleted_at IS NULL ORDER BY created_at DESC, id"
        ).map(AllocationRecord.init(postgresRow:))
    }

    public func allocations(matching filter: AllocationFilter, limit: Int, offset: Int) async throws
        -> [AllocationRecord]
    {
        var conditions = PostgresFilter()
        if !filter.includeDeleted { conditions.add("deleted_at IS NULL") }
        conditions.add("user_id", equals: filter.userID)
        conditions.add("state", equals: filter.state?.rawValue)
        conditions.add("backend", equals: filter.backend)
        let limit = conditions.bind(max(1, limit))
        let offset = conditions.bind(max(0, offset))
        let sql =
            "SELECT * FROM allocations \(conditions.whereClause) ORDER BY created_at DESC, id LIMIT \(limit) OFFSET \(offset)"
        return try await rows(conditions.query(sql)).map(AllocationRecord.init(postgresRow:))
    }

    public func allocationCountsByState() async throws -> [LaunchProofStatus: Int] {
        var counts: [LaunchProofStatus: Int] = [:]
        for row in try await rows(
            "SELECT state, COUNT(*) FROM allocations WHERE deleted_at IS NULL GROUP BY state")
        {
            let (raw, count) = try row.decode((String, Int).self)
            counts[try LaunchProofStatus(stored: raw, column: "allocations.state")] = count
        }
        return counts
    }

    public func transition(
        id: String, from: Set<LaunchProofStatus>, change: AllocationChange, journal: [JournalMutation],
        audit: [AuditEvent], events: [LifecycleEvent], fence: Int?, claims: [ClaimWrite]
    ) async throws -> TransitionOutcome {
        try await transaction { c in
            guard
                let row = try await c.rows("SELECT * FROM allocations WHERE id = \(id) FOR UPDATE", logger: logger)
                    .first
            else { return .notFound }
            let current = try AllocationRecord(postgresRow: row)
            if let fence, current.leaseEpoch != fence { return .leaseLost(current) }
            guard from.contains(current.state) else { return .stateConflict(current) }
            if let next = change.state, next != current.state, !current.state.canMove(to: next, via: change.via) {
                return .stateConflict(current)
            }
            let updated = change.applied(to: current, now: Date())
            try await c.query(
                PostgresQuery(unsafeSQL: AllocationRecord.postgresUpdateSQL, binds: try updated.postgresBindings()),
                logger: logger)
            try await Self.apply(journal, c, logger)
            for event in audit { try await Self.insert(event, c, logger) }
            for event in events { try await Self.insert(event, c, logger) }
            for write in claims { try await Self.apply(write, at: updated.updatedAt, c, logger) }
            return .applied(updated)
        }
    }

    public func claimWork(owner: String, now: Date, leaseUntil: Date, limit: Int) async throws -> [AllocationRecord] {
        guard limit > 0 else { return [] }
        let states = LaunchProofStatus.workable.map(\.rawValue)
        let releasing = LaunchProofStatus.workableWhenReleaseRequested.map(\.rawValue)
        // SKIP LOCKED: rows another replica is leasing right now are passed over, not waited for.
        let claimed = try await transaction { c in
            try await c.rows(
                """
                WITH picked AS (
                    SELECT id FROM allocations
                    WHERE (state = ANY(\(states)) OR (release_requested AND state = ANY(\(releasing))))
                      AND deleted_at IS NULL
                      AND (lease_expires_at IS NULL OR lease_expires_at < \(now.timeIntervalSince1970))
                    ORDER BY updated_at LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                )
                UPDATE allocations AS a SET lease_owner = \(owner), lease_expires_at = \(leaseUntil.timeIntervalSince1970),
                    lease_epoch = a.lease_epoch + 1
                FROM picked WHERE a.id = picked.id
                RETURNING a.*
                """, logger: logger
            ).map(AllocationRecord.init(postgresRow:))
        }
        return claimed.sorted { ($0.updatedAt, $0.id) < ($1.updatedAt, $1.id) }
    }

    public func renewLease(id: String, epoch: Int, until: Date) async throws -> Bool {
        try await !rows(
            """
            UPDATE allocations SET lease_expires_at = \(until.timeIntervalSince1970)
            WHERE id = \(id) AND lease_epoch = \(epoch) RETURNING 1
            """
        ).isEmpty
    }

    public func allocationsWithTeardownDue(now: Date, limit: Int) async throws -> [AllocationRecord] {
        try await rows(
            """
            SELECT * FROM allocations
            WHERE (teardown_failures > 0 OR id IN (
                    SELECT allocation_id FROM journal WHERE finished_at IS NULL AND operation = 'teardown'))
              AND (lease_expires_at IS NULL OR lease_expires_at < \(now.timeIntervalSince1970))
            ORDER BY lease_expires_at NULLS FIRST LIMIT \(max(1, limit))
            """
        ).map(AllocationRecord.init(postgresRow:))
    }

    public func releaseLeases(ownerPrefix: String) async throws -> Int {
        // starts_with, not LIKE: a prefix holding % or _ must match literally.
        try await rows(
            """
            UPDATE allocations SET lease_owner = NULL, lease_expires_at = NULL
            WHERE lease_owner IS NOT NULL AND starts_with(lease_owner, \(ownerPrefix))
            RETURNING 1
            """
        ).count
    }

    static func replay(_ existing: AllocationRecord, of record: AllocationRecord) -> InsertOrderOutcome {
        existing.requestFingerprint == record.requestFingerprint
            ? .replayed(existing) : .idempotencyConflict(existingID: existing.id)
    }

    static func allocation(key: String, _ c: PostgresConnection, _ logger: Logger) async throws
        -> AllocationRecord?
    {
        try await c.rows("SELECT * FROM allocations WHERE idempotency_key = \(key)", logger: logger).first
            .map(AllocationRecord.init(postgresRow:))
    }

    static func countActivePaid(userID: String, _ c: PostgresConnection, _ logger: Logger) async throws
        -> Int
    {
        let states = LaunchProofStatus.active.map(\.rawValue)
        let rows = try await c.rows(
            """
            SELECT COUNT(*) FROM allocations
            WHERE user_id = \(userID) AND price_cents > 0 AND deleted_at IS NULL AND state = ANY(\(states))
            """, logger: logger)
        return try rows.first?.decode(Int.self) ?? 0
    }
}
