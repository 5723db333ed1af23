import Foundation
import Host
import ProvisionerAPI
import Testing

/// `insertOrder` with a ``ReservationLimit``: what occupies a backend is counted in the insert's
/// transaction, so accepted orders never exceed its capacity (DESIGN.md section 8).
struct StoreReservationsTests {
    /// The backend of ``StoreFixture/order(id:user:paid:idempotencyKey:fingerprint:createdAt:)``.
    static let namespace = "simulated"

    static func limit(plan: Int, total: Int? = nil, unpaidSince: Date = Date().addingTimeInterval(-3600))
        -> ReservationLimit
    {
        ReservationLimit(namespace: namespace, planSlots: plan, totalSlots: total ?? plan, unpaidSince: unpaidSince)
    }

    /// Inserts `record` under `limit`.
    static func insert(_ record: AllocationRecord, _ limit: ReservationLimit, into store: some Store) async throws
        -> InsertOrderOutcome
    {
        try await store.insertOrder(
            record, maxActivePaid: 0, reservation: limit, audit: StoreFixture.audit("order.created", record))
    }

    /// Whether `record` is created under `limit` (then it stays stored).
    static func fits(_ record: AllocationRecord, _ limit: ReservationLimit, in store: some Store) async throws -> Bool {
        if case .created = try await insert(record, limit, into: store) { return true }
        return false
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func concurrentOrdersFillTheSlotsExactly(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let limit = Self.limit(plan: 5)
            let outcomes = try await withThrowingTaskGroup(of: InsertOrderOutcome.self) { group in
                for index in 0..<13 {
                    group.addTask {
                        // Both kinds of order reserve: free ones are `paid` at once, paid ones wait.
                        let record = StoreFixture.order(id: "vm-\(index)", user: "u\(index)", paid: index % 2 == 0)
                        return try await Self.insert(record, limit, into: store)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .created = $0 { true } else { false } }.count == 5)
            #expect(outcomes.filter { $0 == .capacityExhausted(reserved: 5, slots: 5) }.count == 8)
            #expect(try await store.allocations(matching: AllocationFilter(), limit: 100, offset: 0).count == 5)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func anIdempotentReplayIsAnsweredWhenFull(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let limit = Self.limit(plan: 1)
            let first = StoreFixture.order(id: "vm-1", idempotencyKey: "key", fingerprint: "fp")
            #expect(try await Self.fits(first, limit, in: store))
            let again = StoreFixture.order(id: "vm-2", idempotencyKey: "key", fingerprint: "fp")
            #expect(try await Self.insert(again, limit, into: store).matches(.replayed(first)))
            #expect(
                try await Self.insert(StoreFixture.order(id: "vm-3"), limit, into: store)
                    == .capacityExhausted(reserved: 1, slots: 1))
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func unpaidOrdersHoldTheirReservationOnlyForThePaymentWindow(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let now = Date()
            let limit = Self.limit(plan: 2, unpaidSince: now.addingTimeInterval(-3600))
            // Unpaid for two hours: its window passed, it holds nothing.
            try await StoreFixture.insert(
                StoreFixture.order(id: "vm-stale", createdAt: now.addingTimeInterval(-7200)), into: store)
            #expect(try await Self.fits(StoreFixture.order(id: "vm-1", createdAt: now), limit, in: store))
            #expect(try await Self.fits(StoreFixture.order(id: "vm-2", createdAt: now), limit, in: store))
            #expect(
                try await Self.insert(StoreFixture.order(id: "vm-3", createdAt: now), limit, into: store)
                    == .capacityExhausted(reserved: 2, slots: 2))
            // Once the window of the orders made `now` passed too, there is room again.
            let later = Self.limit(plan: 2, unpaidSince: now.addingTimeInterval(1))
            #expect(try await Self.fits(StoreFixture.order(id: "vm-4", createdAt: now), later, in: store))
            // A paid order holds its reservation whenever it was created.
            var paid = AllocationChange.state(.paid)
            paid.paymentStatus = .paid
            try await StoreFixture.move("vm-stale", from: [.paymentRequired], paid, in: store)
            let one = Self.limit(plan: 1, unpaidSince: now.addingTimeInterval(1))
            #expect(
                try await Self.insert(StoreFixture.order(id: "vm-5", createdAt: now), one, into: store)
                    == .capacityExhausted(reserved: 1, slots: 1))
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func releasedRolledBackAndCleanlyFailedOrdersHoldNothing(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let limit = Self.limit(plan: 1)
            let full = InsertOrderOutcome.capacityExhausted(reserved: 1, slots: 1)
            // Released before payment.
            #expect(try await Self.fits(StoreFixture.order(id: "vm-r"), limit, in: store))
            #expect(try await Self.insert(StoreFixture.order(id: "x1"), limit, into: store) == full)
            var release = AllocationChange.state(.released)
            release.releasedAt = Date()
            try await StoreFixture.move("vm-r", from: [.paymentRequired], release, in: store)
            // Rolled back.
            #expect(try await Self.fits(StoreFixture.order(id: "vm-b", paid: false), limit, in: store))
            #expect(try await Self.insert(StoreFixture.order(id: "x2"), limit, into: store) == full)
            try await StoreFixture.move("vm-b", from: [.paid], .state(.provisioning), in: store)
            #expect(try await Self.insert(StoreFixture.order(id: "x3"), limit, into: store) == full)
            var rolledBack = AllocationChange.state(.rolledBack)
            rolledBack.rollbackAvailable = true
            try await StoreFixture.move("vm-b", from: [.provisioning], rolledBack, in: store)
            // Failed: holds its VM until the failure is known to have left nothing behind.
            #expect(try await Self.fits(StoreFixture.order(id: "vm-f", paid: false), limit, in: store))
            try await StoreFixture.move("vm-f", from: [.paid], .state(.provisioning), in: store)
            var failed = AllocationChange.state(.failed)
            failed.rollbackAvailable = false
            try await StoreFixture.move("vm-f", from: [.provisioning], failed, in: store)
            #expect(try await Self.insert(StoreFixture.order(id: "x4"), limit, into: store) == full)
            var cleanedUp = AllocationChange()
            cleanedUp.rollbackAvailable = true
            try await StoreFixture.move("vm-f", from: [.failed], cleanedUp, in: store)
            #expect(try await Self.fits(StoreFixture.order(id: "vm-last"), limit, in: store))
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aVMBeingResetOrQuarantinedStaysOccupiedAfterItsRelease(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let limit = Self.limit(plan: 1)
            let full = InsertOrderOutcome.capacityExhausted(reserved: 1, slots: 1)
            let ns = Self.namespace
            #expect(try await Self.fits(StoreFixture.order(id: "vm-a", paid: false), limit, in: store))
            try await StoreFixture.move("vm-a", from: [.paid], .state(.provisioning), in: store)
            _ = try await store.claimResource(namespace: ns, resource: "pool-1", allocationID: "vm-a", now: Date())
            try await StoreFixture.move("vm-a", from: [.provisioning], .state(.provisioned), in: store)
            // The allocation and its claim are one occupant, not two.
            #expect(try await Self.insert(StoreFixture.order(id: "x1"), limit, into: store) == full)
            try await StoreFixture.move("vm-a", from: [.provisioned], .state(.releasing), in: store)
            #expect(
                try await store.setClaimState(
                    namespace: ns, resource: "pool-1", allocationID: "vm-a", state: .cleaning, note: nil, now: Date(),
                    audit: []))
            var released = AllocationChange.state(.released)
            released.releasedAt = Date()
            try await StoreFixture.move("vm-a", from: [.releasing], released, in: store)
            #expect(try await Self.insert(StoreFixture.order(id: "x2"), limit, into: store) == full)
            #expect(
                try await store.setClaimState(
                    namespace: ns, resource: "pool-1", allocationID: "vm-a", state: .quarantined, note: nil,
                    now: Date(), audit: []))
            #expect(try await Self.insert(StoreFixture.order(id: "x3"), limit, into: store) == full)
            // Claims of another backend do not count.
            _ = try await store.claimResource(namespace: "other", resource: "pool-9", allocationID: "z", now: Date())
            #expect(try await store.releaseClaim(namespace: ns, resource: "pool-1", allocationID: "vm-a", audit: []))
            #expect(try await Self.fits(StoreFixture.order(id: "vm-b"), limit, in: store))
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func eachPlanFillsItsOwnSlotsWithinTheTotal(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            // Two `trial` VMs (free orders), four in all.
            let trial = Self.limit(plan: 2, total: 4)
            let small = Self.limit(plan: 3, total: 4)
            #expect(try await Self.fits(StoreFixture.order(id: "t1", paid: false), trial, in: store))
            #expect(try await Self.fits(StoreFixture.order(id: "t2", paid: false), trial, in: store))
            #expect(
                try await Self.insert(StoreFixture.order(id: "t3", paid: false), trial, into: store)
                    == .capacityExhausted(reserved: 2, slots: 2))
            // The trial orders do not count against `small`'s own slots, only against the total.
            #expect(try await Self.fits(StoreFixture.order(id: "s1"), small, in: store))
            #expect(try await Self.fits(StoreFixture.order(id: "s2"), small, in: store))
            #expect(
                try await Self.insert(StoreFixture.order(id: "s3"), small, into: store)
                    == .capacityExhausted(reserved: 4, slots: 4))
            // A released trial order whose VM is still being reset counts for `trial` (its plan).
            try await StoreFixture.move("t1", from: [.paid], .state(.provisioning), in: store)
            _ = try await store.claimResource(
                namespace: Self.namespace, resource: "p1", allocationID: "t1", now: Date())
            var rolledBack = AllocationChange.state(.rolledBack)
            rolledBack.rollbackAvailable = true
            try await StoreFixture.move("t1", from: [.provisioning], rolledBack, in: store)
            _ = try await store.setClaimState(
                namespace: Self.namespace, resource: "p1", allocationID: "t1", state: .cleaning, note: nil,
                now: Date(), audit: [])
            #expect(
                try await Self.insert(
                    StoreFixture.order(id: "t4", paid: false), Self.limit(plan: 2, total: 9), into: store)
                    == .capacityExhausted(reserved: 2, slots: 2))
            // Allocations of another backend do not count.
            var elsewhere = StoreFixture.order(id: "e1", paid: false)
            elsewhere.backend = "pool"
            try await StoreFixture.insert(elsewhere, into: store)
            #expect(try await Self.fits(StoreFixture.order(id: "s4"), Self.limit(plan: 3, total: 5), in: store))
        }
    }
}
