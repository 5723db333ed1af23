import Foundation
import GRDB
import Testing

@testable import Host
@testable import SimulatedProvisioner

/// `backend_occupants` is kept by triggers (migration v12). Whatever is written to allocations and
/// claims, it must equal a count from scratch, and an order's occupancy must equal the count every
/// order made before v12, which read every occupant of the backend.
struct SQLiteOccupantsTests {
    /// ``OccupantsWorkload/recountSQL``: namespace/plan -> occupants.
    static func recounted(_ db: Database) throws -> [String: Int] {
        try counts(Row.fetchAll(db, sql: OccupantsWorkload.recountSQL))
    }

    /// What `backend_occupants` holds, zero rows left out: namespace/plan -> occupants.
    static func counted(_ db: Database) throws -> [String: Int] {
        try counts(Row.fetchAll(db, sql: "SELECT * FROM backend_occupants WHERE occupants != 0"))
    }

    static func counts(_ rows: [Row]) -> [String: Int] {
        Dictionary(
            uniqueKeysWithValues: rows.map { ("\($0["namespace"] as String)/\($0["plan"] as String)", $0["occupants"]) }
        )
    }

    /// The occupancy of `limit` for `plan`, counted by ``OccupantsWorkload/referenceSQL(namespace:plan:unpaidSince:)``.
    static func reference(_ limit: ReservationLimit, plan: String, _ db: Database) throws -> ReservationLimit.Occupancy
    {
        let sql = OccupantsWorkload.referenceSQL(
            namespace: limit.namespace, plan: plan, unpaidSince: Int(limit.unpaidSince.timeIntervalSince1970))
        let row = try Row.fetchOne(db, sql: sql)
        return ReservationLimit.Occupancy(plan: row?["same_plan"] ?? 0, total: row?["total"] ?? 0)
    }

    @Test(.timeLimit(.minutes(1)), arguments: [1, 2, 3, 4])
    func theCountsFollowEveryWrite(seed: UInt64) async throws {
        try await withMigratedDiskStore { store in
            try await store.writer.write { db in
                var random = SplitMix64(seed: seed)
                for step in 0..<500 {
                    try db.execute(sql: OccupantsWorkload.randomWrite(&random))
                    let counted = try Self.counted(db)
                    #expect(counted == (try Self.recounted(db)), "after write \(step) of seed \(seed)")
                    for (limit, plan) in OccupantsWorkload.randomChecks(&random) {
                        let occupancy = try SQLiteStore.occupancy(of: limit, plan: plan, db)
                        #expect(
                            occupancy == (try Self.reference(limit, plan: plan, db)),
                            "after write \(step) of seed \(seed), \(limit.namespace)/\(plan) since \(limit.unpaidSince)"
                        )
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
                var random = SplitMix64(seed: 7)
                for _ in 0..<400 { try db.execute(sql: OccupantsWorkload.randomWrite(&random)) }
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
