import Foundation
import GRDB
import Testing

@testable import Host

/// Every order's transaction counts what occupies its backend. That count must search the
/// allocations by backend *and* state: searched by backend alone it read every allocation the
/// backend ever had, so each order cost more the longer the server ran.
struct SQLiteOccupancyPlanTests {
    @Test(.timeLimit(.minutes(1)))
    func theOccupancyCountSearchesAllocationsByBackendAndState() async throws {
        try await withMigratedDiskStore { store in
            let limit = ReservationLimit(namespace: "pool", planSlots: 10, totalSlots: 10, unpaidSince: Date())
            let plan = try await store.writer.read { db in
                try Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN " + SQLiteStore.occupancySQL,
                    arguments: SQLiteStore.occupancyArguments(of: limit, plan: "trial")
                ).map { $0["detail"] as String? ?? "" }
            }
            let allocationSearches = plan.filter { $0.contains("allocations_reservations") }
            #expect(allocationSearches.count == 3, "plan: \(plan)")
            for search in allocationSearches {
                #expect(search.contains("backend=? AND state=?"), "plan: \(plan)")
            }
            #expect(!plan.contains { $0.hasPrefix("SCAN a") || $0.hasPrefix("SCAN c") }, "plan: \(plan)")
        }
    }
}
