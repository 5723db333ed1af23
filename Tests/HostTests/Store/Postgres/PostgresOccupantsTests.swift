import Foundation
import Logging
import PostgresNIO
import Testing

@testable import Host
@testable import SimulatedProvisioner

/// `backend_occupants` plus `backend_occupant_changes`, kept by triggers (migration 9). Whatever
/// is written to allocations and claims, also by concurrent transactions, they must sum to a count
/// from scratch, and an order's occupancy must equal the count every order made before migration
/// 9, which read every occupant of the backend.
struct PostgresOccupantsTests {
    static let logger = TestPostgres.logger

    static func counts(_ rows: [PostgresRow]) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in rows {
            let (namespace, plan, occupants) = try row.decode((String, String, Int).self)
            counts["\(namespace)/\(plan)"] = occupants
        }
        return counts
    }

    /// ``OccupantsWorkload/recountSQL``: namespace/plan -> occupants.
    static func recounted(_ c: PostgresConnection) async throws -> [String: Int] {
        try counts(
            try await c.query(PostgresQuery(unsafeSQL: OccupantsWorkload.recountSQL), logger: Self.logger).collect())
    }

    /// The counts and the changes not yet folded into them, zero sums left out.
    static func counted(_ c: PostgresConnection) async throws -> [String: Int] {
        let sql = """
            SELECT namespace, plan, SUM(n)::bigint FROM (
                SELECT namespace, plan, occupants AS n FROM backend_occupants
                UNION ALL
                SELECT namespace, plan, delta FROM backend_occupant_changes
            ) kept GROUP BY namespace, plan HAVING SUM(n) <> 0
            """
        return try counts(try await c.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).collect())
    }

    /// Expects the counts and unfolded changes to hold something and to equal a count from scratch.
    static func expectCountsMatchARecount(_ c: PostgresConnection) async throws {
        let counted = try await counted(c)
        #expect(!counted.isEmpty)
        #expect(counted == (try await recounted(c)))
    }

    /// The occupancy of `limit` for `plan`, counted by ``OccupantsWorkload/referenceSQL(namespace:plan:unpaidSince:)``.
    static func reference(_ limit: ReservationLimit, plan: String, _ c: PostgresConnection) async throws
        -> ReservationLimit.Occupancy
    {
        let sql = OccupantsWorkload.referenceSQL(
            namespace: limit.namespace, plan: plan, unpaidSince: Int(limit.unpaidSince.timeIntervalSince1970))
        let rows = try await c.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).collect()
        let (total, samePlan) = try rows[0].decode((Int, Int).self)
        return ReservationLimit.Occupancy(plan: samePlan, total: total)
    }

    /// The store's occupancy as an order takes it: under the backend's lock, folding the changes.
    static func occupancy(_ limit: ReservationLimit, plan: String, folding: Bool, in store: PostgresStore)
        async throws -> ReservationLimit.Occupancy
    {
        try await store.transaction { c in
            if folding { try await PostgresStore.lockReservations(of: limit.namespace, c, Self.logger) }
            return try await PostgresStore.occupancy(of: limit, plan: plan, folding: folding, c, Self.logger)
        }
    }

    @Test(.timeLimit(.minutes(2)), arguments: [1, 2] as [UInt64])
    func theCountsFollowEveryWrite(seed: UInt64) async throws {
        try await TestPostgres.withDatabase { url in
            try await withMigratedStore(try TestPostgres.store(url: url)) { store in
                try await TestPostgres.withConnection(url) { c in try await Self.followEveryWrite(seed: seed, c, store)
                }
            }
        }
    }

    /// Random writes from `seed`, each checked against a count from scratch and the old query.
    static func followEveryWrite(seed: UInt64, _ c: PostgresConnection, _ store: PostgresStore) async throws {
        var random = SplitMix64(seed: seed)
        for step in 0..<250 {
            try await c.query(PostgresQuery(unsafeSQL: OccupantsWorkload.randomWrite(&random)), logger: Self.logger)
            let counted = try await Self.counted(c)
            #expect(counted == (try await Self.recounted(c)), "after write \(step) of seed \(seed)")
            for (limit, plan) in OccupantsWorkload.randomChecks(&random) {
                let occupancy = try await Self.occupancy(
                    limit, plan: plan, folding: Bool.random(using: &random), in: store)
                #expect(
                    occupancy == (try await Self.reference(limit, plan: plan, c)),
                    "after write \(step) of seed \(seed), \(limit.namespace)/\(plan) since \(limit.unpaidSince)")
            }
        }
    }

    /// Writers on four connections at once, on the same 24 allocations and 24 resources, while
    /// orders fold the changes: a claim written beside a change of its allocation's state must be
    /// counted from the state that committed.
    @Test(.timeLimit(.minutes(2)), arguments: [100, 200, 300, 400] as [UInt64])
    func concurrentWritesAndFoldsKeepTheCountsExact(seeds: UInt64) async throws {
        try await TestPostgres.withDatabase { url in
            try await withMigratedStore(try TestPostgres.store(url: url, maxConnections: 2)) { store in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<4 {
                        group.addTask {
                            try await TestPostgres.withConnection(url) { c in
                                var random = SplitMix64(seed: seeds + UInt64(writer))
                                for _ in 0..<400 {
                                    let write = OccupantsWorkload.randomWrite(&random)
                                    do {
                                        try await c.query(PostgresQuery(unsafeSQL: write), logger: Self.logger)
                                    } catch let error as PSQLError where error.serverInfo?[.sqlState] == "40P01" {
                                        continue  // a deadlock: the write rolled back whole, as it should
                                    }
                                }
                            }
                        }
                    }
                    group.addTask {
                        for index in 0..<60 {
                            let limit = ReservationLimit(
                                namespace: OccupantsWorkload.namespaces[index % 2], planSlots: 100, totalSlots: 100,
                                unpaidSince: Date(timeIntervalSince1970: Double(OccupantsWorkload.now)))
                            _ = try await Self.occupancy(limit, plan: "small", folding: true, in: store)
                        }
                    }
                    try await group.waitForAll()
                }
                try await TestPostgres.withConnection(url) { c in try await Self.expectCountsMatchARecount(c) }
            }
        }
    }

    /// A backend whose orders reserve nothing (no capacity count) never counts, so its orders
    /// fold its changes, or they would pile up.
    @Test(.timeLimit(.minutes(1)))
    func ordersThatReserveNothingFoldTheirBackendsChanges() async throws {
        try await TestPostgres.withDatabase { url in
            try await withMigratedStore(try TestPostgres.store(url: url)) { store in
                for index in 0..<5 {
                    let record = StoreFixture.order(id: "vm-\(index)", user: "u\(index)", paid: false)
                    let outcome = try await store.insertOrder(
                        record, maxActivePaid: 0, reservation: nil, audit: StoreFixture.audit("order.created", record))
                    #expect(outcome == .created(record))
                }
                try await TestPostgres.withConnection(url) { c in
                    let left = try await c.query("SELECT COUNT(*) FROM backend_occupant_changes", logger: Self.logger)
                        .collect()
                    #expect(try left[0].decode(Int.self) == 0)
                    try await Self.expectCountsMatchARecount(c)
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theMigrationCountsWhatIsAlreadyStored() async throws {
        try await TestPostgres.withDatabase { url in
            try await TestPostgres.withConnection(url) { c in try await Self.migrateFilledSchema(url, c) }
        }
    }

    /// Builds the schema as migration 8 left it, fills it with writes no trigger saw, migrates,
    /// and compares the counts with a count from scratch.
    static func migrateFilledSchema(_ url: String, _ c: PostgresConnection) async throws {
        try await c.query(
            """
            CREATE TABLE schema_migrations (
                version integer PRIMARY KEY, name text NOT NULL, applied_at double precision NOT NULL
            )
            """, logger: Self.logger)
        for migration in PostgresMigrations.all where migration.version < PostgresMigrations.occupants.version {
            for statement in migration.statements {
                try await c.query(PostgresQuery(unsafeSQL: statement), logger: Self.logger)
            }
            try await c.query(
                "INSERT INTO schema_migrations VALUES (\(migration.version), \(migration.name), 0)", logger: Self.logger
            )
        }
        var random = SplitMix64(seed: 7)
        for _ in 0..<300 {
            try await c.query(PostgresQuery(unsafeSQL: OccupantsWorkload.randomWrite(&random)), logger: Self.logger)
        }
        try await withMigratedStore(try TestPostgres.store(url: url)) { _ in try await Self.expectCountsMatchARecount(c)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anAllocationsIdNeverChanges() async throws {
        try await TestPostgres.withDatabase { url in
            try await withMigratedStore(try TestPostgres.store(url: url)) { store in
                try await StoreFixture.insert(StoreFixture.order(id: "vm-1"), into: store)
                try await TestPostgres.withConnection(url) { c in
                    await #expect(throws: PSQLError.self) {
                        try await c.query("UPDATE allocations SET id = 'vm-2' WHERE id = 'vm-1'", logger: Self.logger)
                    }
                }
            }
        }
    }
}
