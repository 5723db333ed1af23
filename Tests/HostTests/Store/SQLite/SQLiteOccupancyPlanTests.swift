import Foundation
import GRDB
import Testing

@testable import Host

/// Every order's transaction counts what occupies its backend, under SQLite's one writer. The
/// count must not read every occupant: it reads `backend_occupants` by its key and, for the
/// unpaid orders of the payment window, searches the allocations by backend *and* state (searched
/// by backend alone it read every allocation the backend ever had) and their claims by allocation.
/// Before v12 it read every claim of the backend and looked up each one's allocation: 180-340 ms
/// per order with 100,000 VMs in use.
struct SQLiteOccupancyPlanTests {
    @Test(.timeLimit(.minutes(1)))
    func theOccupancyCountReadsNoOccupantOneByOne() async throws {
        try await withMigratedDiskStore { store in
            let limit = ReservationLimit(namespace: "pool", planSlots: 10, totalSlots: 10, unpaidSince: Date())
            let plan = try await store.writer.read { db in
                try Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN " + SQLiteStore.occupancySQL,
                    arguments: SQLiteStore.occupancyArguments(of: limit, plan: "trial")
                ).map { $0["detail"] as String? ?? "" }
            }
            let counterReads = plan.filter { $0.contains("backend_occupants") && $0.contains("namespace=?") }
            #expect(counterReads.count == 1, "plan: \(plan)")
            let allocationSearches = plan.filter { $0.contains("allocations_reservations") }
            #expect(allocationSearches.count == 2, "plan: \(plan)")
            for search in allocationSearches {
                #expect(search.contains("backend=? AND state=?"), "plan: \(plan)")
            }
            let claimSearches = plan.filter { $0.hasPrefix("SEARCH c") }
            #expect(claimSearches.count == 1, "plan: \(plan)")
            for search in claimSearches {
                #expect(search.contains("allocation_id=?"), "plan: \(plan)")
            }
            let scans = plan.filter { $0.hasPrefix("SCAN") && !$0.hasPrefix("SCAN (subquery") }
            #expect(scans.isEmpty, "plan: \(plan)")
        }
    }
}
