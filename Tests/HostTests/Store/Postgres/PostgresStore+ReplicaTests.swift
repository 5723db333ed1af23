import Foundation
import Host
import ProvisionerAPI
import Testing

/// Two `PostgresStore`s on one database, as two Host replicas have: the invariants hold across
/// connections because the database enforces them.
struct PostgresStoreReplicaTests {
    /// Runs `body` with two migrated stores (separate pools) on one fresh database.
    private func withTwoReplicas(
        maxConnections: Int = 8, _ body: (PostgresStore, PostgresStore) async throws -> Void
    ) async throws {
        try await TestPostgres.withDatabase { url in
            try await withMigratedStore(try TestPostgres.store(url: url, maxConnections: maxConnections)) { a in
                try await withMigratedStore(try TestPostgres.store(url: url, maxConnections: maxConnections)) { b in
                    try await body(a, b)
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aThousandConcurrentClaimsOfFiveHundredResourcesThroughTwoStoresYieldExactlyFiveHundred() async throws {
        try await withTwoReplicas { a, b in
            let outcomes = try await withThrowingTaskGroup(of: (String, String, ClaimOutcome).self) { group in
                for index in 0..<1_000 {
                    let store = index.isMultiple(of: 2) ? a : b
                    group.addTask {
                        // Two claimants per resource, each on a different replica.
                        let resource = "vm-\(index / 2)"
                        let allocation = "alloc-\(index)"
                        let outcome = try await store.claimResource(
                            namespace: "pool", resource: resource, allocationID: allocation, now: Date())
                        return (resource, allocation, outcome)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = outcomes.filter { $0.2 == .claimed }
            #expect(winners.count == 500)
            #expect(Set(winners.map(\.0)).count == 500)
            #expect(outcomes.filter { if case .unavailable = $0.2 { true } else { false } }.count == 500)
            let claims = try await b.resourceClaims(namespace: "pool")
            #expect(claims.count == 500)
            #expect(Set(claims.map(\.allocationID)) == Set(winners.map(\.1)))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theSameIdempotencyKeyThroughBothStoresYieldsOneAllocation() async throws {
        try await withTwoReplicas { a, b in
            let outcomes = try await withThrowingTaskGroup(of: InsertOrderOutcome.self) { group in
                for index in 0..<60 {
                    let store = index.isMultiple(of: 2) ? a : b
                    group.addTask {
                        let record = StoreFixture.order(
                            id: "vm-\(index)", user: "u", idempotencyKey: "order-1", fingerprint: "fp")
                        return try await store.insertOrder(
                            record, maxActivePaid: 0, audit: StoreFixture.audit("order.created", record))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            var created: [String] = []
            var replayed: [String] = []
            for outcome in outcomes {
                switch outcome {
                case .created(let record): created.append(record.id)
                case .replayed(let record): replayed.append(record.id)
                default: Issue.record("unexpected outcome \(outcome)")
                }
            }
            #expect(created.count == 1)
            #expect(replayed.count == 59)
            #expect(Set(replayed) == Set(created))
            #expect(try await a.allocations(userID: "u").map(\.id) == created)
            #expect(try await b.allocation(idempotencyKey: "order-1")?.id == created.first)
            // A different request under the key conflicts on either replica.
            let firstID = try #require(created.first)
            let other = StoreFixture.order(id: "vm-x", user: "u", idempotencyKey: "order-1", fingerprint: "other")
            #expect(
                try await b.insertOrder(other, maxActivePaid: 0, audit: StoreFixture.audit("order.created", other))
                    == .idempotencyConflict(existingID: firstID))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func thePaidCapHoldsAcrossStores() async throws {
        try await withTwoReplicas { a, b in
            let outcomes = try await withThrowingTaskGroup(of: InsertOrderOutcome.self) { group in
                for index in 0..<40 {
                    let store = index.isMultiple(of: 2) ? a : b
                    group.addTask {
                        let record = StoreFixture.order(id: "vm-\(index)", user: "racer")
                        return try await store.insertOrder(
                            record, maxActivePaid: 3, audit: StoreFixture.audit("order.created", record))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .created = $0 { true } else { false } }.count == 3)
            #expect(outcomes.filter { $0 == .quotaExceeded(active: 3, limit: 3) }.count == 37)
            #expect(try await b.allocations(userID: "racer").count == 3)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func reservationsHoldAcrossStores() async throws {
        try await withTwoReplicas { a, b in
            let limit = ReservationLimit(
                namespace: "simulated", planSlots: 50, totalSlots: 50, unpaidSince: Date().addingTimeInterval(-3600))
            let outcomes = try await withThrowingTaskGroup(of: InsertOrderOutcome.self) { group in
                for index in 0..<200 {
                    let store = index.isMultiple(of: 2) ? a : b
                    group.addTask {
                        // Paid orders under a user cap that is never reached take the user's lock
                        // too: both locks, in their one order, across replicas, without deadlock.
                        let record = StoreFixture.order(
                            id: "vm-\(index)", user: "u\(index % 10)", paid: index % 3 != 0,
                            idempotencyKey: "key-\(index)", fingerprint: "fp")
                        return try await store.insertOrder(
                            record, maxActivePaid: 1_000, reservation: limit,
                            audit: StoreFixture.audit("order.created", record))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .created = $0 { true } else { false } }.count == 50)
            #expect(outcomes.filter { $0 == .capacityExhausted(reserved: 50, slots: 50) }.count == 150)
            let stored = try await a.allocations(matching: AllocationFilter(), limit: 1_000, offset: 0)
            #expect(stored.count == 50)
            // Releasing one through one replica frees one slot for an order through the other.
            let freed = try #require(stored.first { $0.state == .paymentRequired })
            var release = AllocationChange.state(.released)
            release.releasedAt = Date()
            _ = try await a.transition(id: freed.id, from: [.paymentRequired], change: release, journal: nil, audit: [])
            let next = StoreFixture.order(id: "vm-next")
            let last = StoreFixture.order(id: "vm-last")
            #expect(
                try await b.insertOrder(
                    next, maxActivePaid: 0, reservation: limit, audit: StoreFixture.audit("order.created", next)
                )
                .matches(.created(next)))
            #expect(
                try await a.insertOrder(
                    last, maxActivePaid: 0, reservation: limit, audit: StoreFixture.audit("order.created", last))
                    == .capacityExhausted(reserved: 50, slots: 50))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func workClaimedThroughBothStoresIsDisjoint() async throws {
        try await withTwoReplicas { a, b in
            for index in 0..<60 {
                try await StoreFixture.insert(StoreFixture.order(id: "vm-\(index)", paid: false), into: a)
            }
            let now = Date()
            let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
                for (owner, store) in [("worker-a", a), ("worker-b", b)] {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await store.claimWork(
                                owner: owner, now: now, leaseUntil: now.addingTimeInterval(300), limit: 4)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let all = claimed.flatMap { $0 }
            #expect(all.count == 60)
            #expect(Set(all).count == 60)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aCatalogSavedThroughOneStoreIsSeenByTheOther() async throws {
        try await withTwoReplicas { a, b in
            #expect(try await a.saveCatalog(namespace: "pool", payload: "[1]", now: Date()) == 1)
            #expect(try await b.catalogGeneration(namespace: "pool") == 1)
            #expect(try await b.catalog(namespace: "pool") == StoredCatalog(generation: 1, payload: "[1]"))
            // Concurrent saves through both bump the generation once each.
            let generations = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<20 {
                    let store = index.isMultiple(of: 2) ? a : b
                    group.addTask { try await store.saveCatalog(namespace: "pool", payload: "[\(index)]", now: Date()) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(generations) == Set(2...21))
            #expect(try await a.catalogGeneration(namespace: "pool") == 21)
        }
    }
}
