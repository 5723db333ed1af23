import Foundation
import Host
import ProvisionerAPI
import Testing

/// `admissionCounts`: the read-only counts a dry-run order reports are the ones `insertOrder`
/// checks in its transaction.
struct StoreAdmissionCountsTests {
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func countsMatchWhatInsertOrderChecks(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let empty = try await store.admissionCounts(userID: "u1", plan: "small", reservation: nil)
            #expect(empty == AdmissionCounts(activePaid: 0))

            // u1: two orders on a paid plan and one free one (paid at once); u2: one on a paid plan.
            try await StoreFixture.insert(StoreFixture.order(id: "vm-1", user: "u1"), into: store)
            try await StoreFixture.insert(StoreFixture.order(id: "vm-2", user: "u1"), into: store)
            try await StoreFixture.insert(StoreFixture.order(id: "vm-3", user: "u1", paid: false), into: store)
            try await StoreFixture.insert(StoreFixture.order(id: "vm-4", user: "u2"), into: store)

            let limit = StoreReservationsTests.limit(plan: 5, total: 6)
            let counts = try await store.admissionCounts(userID: "u1", plan: "small", reservation: limit)
            #expect(counts.activePaid == 2)
            #expect(counts.occupiedForPlan == 3)
            #expect(counts.occupiedInAll == 4)

            // The cap insertOrder enforces is the count reported: at 2 active, a cap of 2 refuses.
            let next = StoreFixture.order(id: "vm-5", user: "u1")
            let outcome = try await store.insertOrder(
                next, maxActivePaid: counts.activePaid, reservation: nil,
                audit: StoreFixture.audit("order.created", next))
            #expect(outcome == .quotaExceeded(active: 2, limit: 2))
            // And the slots: with as many slots as occupants, the order is refused at that count.
            let full = StoreReservationsTests.limit(plan: counts.occupiedForPlan!, total: 10)
            #expect(
                try await StoreReservationsTests.insert(next, full, into: store)
                    == .capacityExhausted(reserved: 3, slots: 3))
            // Counting wrote nothing: still the four orders.
            #expect(try await store.allocations(matching: AllocationFilter(), limit: 100, offset: 0).count == 4)
        }
    }
}
