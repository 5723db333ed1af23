public import Foundation
import GRDB
public import ProvisionerAPI

extension SQLiteStore {
    public func allocation(id: String) async throws -> AllocationRecord? {
        try await writer.readOneStatement { db in
            // Cached: the hottest query (every status read), compiled once per connection.
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(AllocationRecord.Columns.selected) FROM allocations WHERE id = ?"),
                arguments: [id]
            )
            .map(AllocationRecord.init(row:))
        }
    }

    public func allocation(idempotencyKey: String) async throws -> AllocationRecord? {
        try await writer.readOneStatement { db in
            try Row.fetchOne(
                db, cachedSQL: "SELECT \(AllocationRecord.Columns.selected) FROM allocations WHERE idempotency_key = ?",
                arguments: [idempotencyKey]
            )
            .map(AllocationRecord.init(row:))
        }
    }

    public func allocations(userID: String) async throws -> [AllocationRecord] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                cachedSQL:
                    "SELECT \(AllocationRecord.Columns.selected) FROM allocations WHERE user_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id",
                arguments: [userID]
            ).map(AllocationRecord.init(row:))
        }
    }

    public func allocations(matching filter: AllocationFilter, limit: Int, offset: Int) async throws
        -> [AllocationRecord]
    {
        var filterClause = SQLiteFilter()
        if !filter.includeDeleted { filterClause.add("deleted_at IS NULL") }
        filterClause.add("user_id", equals: filter.userID)
        filterClause.add("state", equals: filter.state?.rawValue)
        filterClause.add("backend", equals: filter.backend)
        let sql =
            "SELECT \(AllocationRecord.Columns.selected) FROM allocations \(filterClause.whereClause) ORDER BY created_at DESC, id LIMIT ? OFFSET ?"
        let statementArguments = filterClause.arguments(then: max(1, limit), max(0, offset))
        return try await writer.read { db in
            try Row.fetchAll(db, sql: sql, arguments: statementArguments).map(AllocationRecord.init(row:))
        }
    }

    public func allocationCountsByState() async throws -> [LaunchProofStatus: Int] {
        try await writer.read { db in
            var counts: [LaunchProofStatus: Int] = [:]
            let rows = try Row.fetchAll(
                db, cachedSQL: "SELECT state, COUNT(*) AS n FROM allocations WHERE deleted_at IS NULL GROUP BY state")
            for row in rows {
                counts[try LaunchProofStatus(stored: row["state"], column: "allocations.state")] = row["n"]
            }
            return counts
        }
    }

    public func transition(
        id: String, from: Set<LaunchProofStatus>, change: AllocationChange, journal: [JournalMutation],
        audit: [AuditEvent], events: [LifecycleEvent], fence: Int?, claims: [ClaimWrite]
    ) async throws -> TransitionOutcome {
        try await writer.write { db in
            guard
                let row = try Row.fetchOne(
                    db, cachedSQL: "SELECT \(AllocationRecord.Columns.selected) FROM allocations WHERE id = ?",
                    arguments: [id])
            else {
                return .notFound
            }
            let current = try AllocationRecord(row: row)
            if let fence, current.leaseEpoch != fence { return .leaseLost(current) }
            guard from.contains(current.state) else { return .stateConflict(current) }
            if let next = change.state, next != current.state, !current.state.canMove(to: next, via: change.via) {
                return .stateConflict(current)
            }
            let updated = change.applied(to: current, now: Date())
            try Self.replace(updated, db)
            try Self.apply(journal, db)
            for event in audit { try Self.insert(event, db) }
            for event in events { try Self.insert(event, db) }
            for write in claims { try Self.apply(write, at: updated.updatedAt, db) }
            return .applied(updated)
        }
    }

    public func claimWork(owner: String, now: Date, leaseUntil: Date, limit: Int) async throws -> [AllocationRecord] {
        guard limit > 0 else { return [] }
        return try await writer.write { db in
            let states = LaunchProofStatus.workable.map(\.rawValue)
            let releasing = LaunchProofStatus.workableWhenReleaseRequested.map(\.rawValue)
            let ids = try String.fetchAll(
                db,
                cachedSQL: """
                    SELECT id FROM allocations
                    WHERE (state IN (?, ?, ?) OR (release_requested = 1 AND state IN (?, ?, ?, ?)))
                      AND deleted_at IS NULL
                      AND (lease_expires_at IS NULL OR lease_expires_at < ?)
                    ORDER BY updated_at LIMIT ?
                    """,
                arguments: StatementArguments(states) + StatementArguments(releasing)
                    + [now.timeIntervalSince1970, limit])
            var claimed: [AllocationRecord] = []
            for id in ids {
                try db.execute(
                    cachedSQL: """
                        UPDATE allocations SET lease_owner = ?, lease_expires_at = ?, lease_epoch = lease_epoch + 1
                        WHERE id = ?
                        """,
                    arguments: [owner, leaseUntil.timeIntervalSince1970, id])
                if let row = try Row.fetchOne(
                    db, cachedSQL: "SELECT \(AllocationRecord.Columns.selected) FROM allocations WHERE id = ?",
                    arguments: [id])
                {
                    claimed.append(try AllocationRecord(row: row))
                }
            }
            return claimed
        }
    }

    public func renewLease(id: String, epoch: Int, until: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                cachedSQL: "UPDATE allocations SET lease_expires_at = ? WHERE id = ? AND lease_epoch = ?",
                arguments: [until.timeIntervalSince1970, id, epoch])
            return db.changesCount > 0
        }
    }

    public func allocationsWithTeardownDue(now: Date, limit: Int) async throws -> [AllocationRecord] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                cachedSQL: """
                    SELECT \(AllocationRecord.Columns.selected) FROM allocations
                    WHERE (teardown_failures > 0 OR id IN (
                            SELECT allocation_id FROM journal WHERE finished_at IS NULL AND operation = 'teardown'))
                      AND (lease_expires_at IS NULL OR lease_expires_at < ?)
                    ORDER BY lease_expires_at LIMIT ?
                    """,
                arguments: [now.timeIntervalSince1970, max(1, limit)]
            ).map(AllocationRecord.init(row:))
        }
    }

    public func releaseLeases(ownerPrefix: String) async throws -> Int {
        try await writer.write { db in
            try db.execute(
                cachedSQL: """
                    UPDATE allocations SET lease_owner = NULL, lease_expires_at = NULL
                    WHERE lease_owner IS NOT NULL AND substr(lease_owner, 1, ?) = ?
                    """,
                arguments: [ownerPrefix.count, ownerPrefix])
            return db.changesCount
        }
    }

    static func countActivePaid(_ db: Database, userID: String) throws -> Int {
        let states = LaunchProofStatus.active.map(\.rawValue)
        let placeholders = Array(repeating: "?", count: states.count).joined(separator: ", ")
        return try Int.fetchOne(
            db,
            cachedSQL: """
                SELECT COUNT(*) FROM allocations
                WHERE user_id = ? AND price_cents > 0 AND deleted_at IS NULL AND state IN (\(placeholders))
                """,
            arguments: StatementArguments([userID] + states)) ?? 0
    }

    private static let insertSQL: String = {
        let columns = AllocationRecord.Columns.all
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        return "INSERT INTO allocations (\(columns.joined(separator: ", "))) VALUES (\(placeholders))"
    }()

    private static let replaceSQL: String = {
        let assignments = AllocationRecord.Columns.all.dropFirst().map { "\($0) = ?" }.joined(separator: ", ")
        return "UPDATE allocations SET \(assignments) WHERE id = ?"
    }()

    static func insert(_ record: AllocationRecord, _ db: Database) throws {
        try db.execute(cachedSQL: insertSQL, arguments: StatementArguments(try record.databaseValues()))
    }

    static func replace(_ record: AllocationRecord, _ db: Database) throws {
        let values = try record.databaseValues()
        try db.execute(cachedSQL: replaceSQL, arguments: StatementArguments(Array(values.dropFirst()) + [values[0]]))
    }
}
