import Foundation
import GRDB
import Testing

@testable import Host

/// `backend_occupants` is kept by triggers (migration v12). Whatever is written to allocations and
/// claims, it must equal a count from scratch, and an order's occupancy must equal the count every
/// order made before v12, which read every occupant of the backend.
struct SQLiteOccupantsTests {
    /// The occupancy count of v11, read whole: the definition the counted occupancy must meet.
    static let referenceSQL = """
        SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN plan = ? THEN 1 ELSE 0 END), 0) AS same_plan
        FROM (
            SELECT a.plan AS plan FROM allocations a
            WHERE a.deleted_at IS NULL AND a.backend = ? AND a.state IN (?, ?, ?, ?, ?)
            UNION ALL
            SELECT a.plan AS plan FROM allocations a
            WHERE a.deleted_at IS NULL AND a.backend = ? AND a.state = ? AND a.rollback_available = 0
            UNION ALL
            SELECT a.plan AS plan FROM allocations a
            WHERE a.deleted_at IS NULL AND a.backend = ? AND a.state = ? AND a.created_at >= ?
            UNION ALL
            SELECT a.plan AS plan FROM resource_claims c LEFT JOIN allocations a ON a.id = c.allocation_id
            WHERE c.namespace = ? AND NOT COALESCE(
                a.deleted_at IS NULL AND a.backend = ? AND (
                    a.state IN (?, ?, ?, ?, ?)
                    OR (a.state = ? AND a.rollback_available = 0)
                    OR (a.state = ? AND a.created_at >= ?)),
                0)
        )
        """

    /// The occupancy of `limit` for `plan`, counted by ``referenceSQL``.
    static func reference(_ limit: ReservationLimit, plan: String, _ db: Database) throws -> ReservationLimit.Occupancy
    {
        let occupying = StatementArguments(ReservationLimit.occupyingStates.map(\.rawValue))
        let failed = LaunchProofStatus.failed.rawValue
        let unpaid = LaunchProofStatus.paymentRequired.rawValue
        let since = limit.unpaidSince.timeIntervalSince1970
        let arguments: StatementArguments =
            [plan, limit.namespace] + occupying + [limit.namespace, failed] + [limit.namespace, unpaid, since]
            + [limit.namespace, limit.namespace] + occupying + [failed, unpaid, since]
        let row = try Row.fetchOne(db, sql: referenceSQL, arguments: arguments)
        return ReservationLimit.Occupancy(plan: row?["same_plan"] ?? 0, total: row?["total"] ?? 0)
    }

    /// `backend_occupants` counted from scratch, zero rows left out: namespace/plan -> occupants.
    static func recounted(_ db: Database) throws -> [String: Int] {
        let occupies = """
            (a.deleted_at IS NULL AND (a.state IN ('paid', 'provisioning', 'provisioned', 'degraded', 'releasing')
                OR (a.state = 'failed' AND a.rollback_available = 0)))
            """
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT namespace, plan, COUNT(*) AS occupants FROM (
                    SELECT a.backend AS namespace, a.plan AS plan FROM allocations a WHERE \(occupies)
                    UNION ALL
                    SELECT c.namespace AS namespace, COALESCE(a.plan, '') AS plan
                    FROM resource_claims c LEFT JOIN allocations a ON a.id = c.allocation_id
                    WHERE NOT COALESCE(a.backend = c.namespace AND \(occupies), 0)
                ) GROUP BY namespace, plan
                """)
        return Dictionary(
            uniqueKeysWithValues: rows.map { ("\($0["namespace"] as String)/\($0["plan"] as String)", $0["occupants"]) }
        )
    }

    /// What `backend_occupants` holds, zero rows left out: namespace/plan -> occupants.
    static func counted(_ db: Database) throws -> [String: Int] {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM backend_occupants WHERE occupants != 0")
        return Dictionary(
            uniqueKeysWithValues: rows.map { ("\($0["namespace"] as String)/\($0["plan"] as String)", $0["occupants"]) }
        )
    }

    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let namespaces = ["pool", "xcpng"]
    static let plans = ["small", "large"]
    static let states = LaunchProofStatus.allCases.map(\.rawValue)

    /// One random write to allocations or claims, as any code path could make it.
    static func randomWrite(_ db: Database, _ random: inout SeededGenerator) throws {
        let id = "vm-\(Int.random(in: 0..<24, using: &random))"
        let namespace = namespaces.randomElement(using: &random)!
        let plan = plans.randomElement(using: &random)!
        let state = states.randomElement(using: &random)!
        let createdAt = now.timeIntervalSince1970 - Double(Int.random(in: 0..<7200, using: &random))
        let deletedAt: Double? = Int.random(in: 0..<6, using: &random) == 0 ? createdAt : nil
        let rollback = Int.random(in: 0...1, using: &random)
        let resource = "r-\(Int.random(in: 0..<24, using: &random))"
        switch Int.random(in: 0..<10, using: &random) {
        case 0, 1:
            try db.execute(
                sql: """
                    INSERT INTO allocations (id, user_id, plan, price_cents, backend, is_demo, ssh_keys, open_ports,
                        metadata, state, payment_status, customer_message, rollback_available, created_at, updated_at,
                        deleted_at)
                    VALUES (?, 'u', ?, 0, ?, 0, '[]', '[]', '{}', ?, 'not_required', '', ?, ?, ?, ?)
                    ON CONFLICT (id) DO NOTHING
                    """,
                arguments: [id, plan, namespace, state, rollback, createdAt, createdAt, deletedAt])
        case 2, 3:
            try db.execute(sql: "UPDATE allocations SET state = ? WHERE id = ?", arguments: [state, id])
        case 4:
            try db.execute(
                sql: "UPDATE allocations SET rollback_available = ?, deleted_at = ? WHERE id = ?",
                arguments: [rollback, deletedAt, id])
        case 5:
            try db.execute(
                sql: "UPDATE allocations SET backend = ?, plan = ? WHERE id = ?", arguments: [namespace, plan, id])
        case 6:
            try db.execute(sql: "DELETE FROM allocations WHERE id = ?", arguments: [id])
        case 7:
            try db.execute(
                sql: """
                    INSERT INTO resource_claims (namespace, resource, allocation_id, state, claimed_at, updated_at)
                    VALUES (?, ?, ?, 'assigned', 0, 0) ON CONFLICT DO NOTHING
                    """,
                arguments: [namespace, resource, id])
        case 8:
            try db.execute(
                sql: "UPDATE OR IGNORE resource_claims SET allocation_id = ?, state = 'cleaning' WHERE resource = ?",
                arguments: [id, resource])
        default:
            try db.execute(sql: "DELETE FROM resource_claims WHERE resource = ?", arguments: [resource])
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: [1, 2, 3, 4])
    func theCountsFollowEveryWrite(seed: UInt64) async throws {
        try await withMigratedDiskStore { store in
            try await store.writer.write { db in
                var random = SeededGenerator(seed: seed)
                for step in 0..<600 {
                    try Self.randomWrite(db, &random)
                    let counted = try Self.counted(db)
                    #expect(counted == (try Self.recounted(db)), "after write \(step) of seed \(seed)")
                    for namespace in Self.namespaces {
                        let since = Self.now.addingTimeInterval(-Double(Int.random(in: 0..<7200, using: &random)))
                        let limit = ReservationLimit(
                            namespace: namespace, planSlots: 100, totalSlots: 100, unpaidSince: since)
                        for plan in Self.plans {
                            let occupancy = try SQLiteStore.occupancy(of: limit, plan: plan, db)
                            #expect(
                                occupancy == (try Self.reference(limit, plan: plan, db)),
                                "after write \(step) of seed \(seed), \(namespace)/\(plan) since \(since)")
                        }
                    }
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theMigrationCountsWhatIsAlreadyStored() async throws {
        try await withTemporaryDirectory { directory in
            let queue = try DatabaseQueue(path: directory.appendingPathComponent("old.sqlite").path)
            try Migrations.migrator.migrate(queue, upTo: "v11: catalog parts as bytes")
            try await queue.write { db in
                var random = SeededGenerator(seed: 7)
                for _ in 0..<400 { try Self.randomWrite(db, &random) }
            }
            try Migrations.migrator.migrate(queue)
            try await queue.read { db in
                let counted = try Self.counted(db)
                #expect(!counted.isEmpty)
                #expect(counted == (try Self.recounted(db)))
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anAllocationsIdNeverChanges() async throws {
        try await withMigratedDiskStore { store in
            try await StoreFixture.insert(StoreFixture.order(id: "vm-1"), into: store)
            await #expect(throws: DatabaseError.self) {
                try await store.writer.write { db in
                    try db.execute(sql: "UPDATE allocations SET id = 'vm-2' WHERE id = 'vm-1'")
                }
            }
        }
    }
}

/// SplitMix64: the same writes for the same seed, so a failure can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
