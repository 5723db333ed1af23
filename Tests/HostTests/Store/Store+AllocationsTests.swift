import Foundation
import Host
import ProvisionerAPI
import Testing

struct StoreAllocationsTests {
    // MARK: insertOrder

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func insertOrderCreatesReplaysAndConflicts(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let first = StoreFixture.order(id: "vm-a", idempotencyKey: "key-1", fingerprint: "fp-1")
            let created = try await store.insertOrder(
                first, maxActivePaid: 3, audit: StoreFixture.audit("order.created", first))
            #expect(created.matches(.created(first)))

            // Same key, same request: the original comes back, nothing new is stored.
            let replay = StoreFixture.order(id: "vm-b", idempotencyKey: "key-1", fingerprint: "fp-1")
            let replayed = try await store.insertOrder(
                replay, maxActivePaid: 3, audit: StoreFixture.audit("order.created", replay))
            #expect(replayed.matches(.replayed(first)))

            // Same key, different request.
            let other = StoreFixture.order(id: "vm-c", idempotencyKey: "key-1", fingerprint: "fp-2")
            let conflict = try await store.insertOrder(
                other, maxActivePaid: 3, audit: StoreFixture.audit("order.created", other))
            #expect(conflict == .idempotencyConflict(existingID: "vm-a"))

            #expect(try await store.allocation(id: "vm-b") == nil)
            #expect(try await store.allocation(id: "vm-c") == nil)
            #expect(try await store.allocations(userID: "user-1").map(\.id) == ["vm-a"])
            #expect(try await store.auditEvents(allocationID: "vm-a").map(\.kind) == ["order.created"])
            #expect(try await store.auditEvents(allocationID: "vm-b").isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func ordersWithoutAKeyNeverReplay(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await StoreFixture.insert(StoreFixture.order(id: "vm-1", fingerprint: "same"), into: store)
            try await StoreFixture.insert(StoreFixture.order(id: "vm-2", fingerprint: "same"), into: store)
            #expect(try await store.allocations(userID: "user-1").count == 2)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func quotaCountsActivePaidOrdersOnly(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            func insert(_ id: String, user: String = "u", paid: Bool) async throws -> InsertOrderOutcome {
                let record = StoreFixture.order(id: id, user: user, paid: paid)
                return try await store.insertOrder(
                    record, maxActivePaid: 2, audit: StoreFixture.audit("order.created", record))
            }
            // Free plans are never counted, before or after the cap is reached.
            for index in 0..<5 {
                guard case .created = try await insert("free-\(index)", paid: false) else {
                    Issue.record("free order \(index) was not created")
                    return
                }
            }
            guard case .created = try await insert("paid-1", paid: true),
                case .created = try await insert("paid-2", paid: true)
            else {
                Issue.record("paid orders under the cap were refused")
                return
            }
            #expect(try await insert("paid-3", paid: true) == .quotaExceeded(active: 2, limit: 2))
            guard case .created = try await insert("free-after-cap", paid: false) else {
                Issue.record("a free order was refused at the paid cap")
                return
            }
            // Another user is not affected.
            guard case .created = try await insert("other-1", user: "v", paid: true) else {
                Issue.record("another user's order was refused")
                return
            }
            // A released order no longer counts.
            var release = AllocationChange.state(.released)
            release.releasedAt = Date()
            try await StoreFixture.move("paid-1", from: [.paymentRequired], release, in: store)
            guard case .created = try await insert("paid-4", paid: true) else {
                Issue.record("the cap did not free up after a release")
                return
            }
            #expect(try await store.allocation(id: "paid-3") == nil)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func zeroCapMeansNoCap(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            for index in 0..<10 {
                try await StoreFixture.insert(StoreFixture.order(id: "vm-\(index)"), into: store)
            }
            #expect(try await store.allocations(userID: "user-1").count == 10)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func concurrentOrdersNeverExceedTheCap(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let outcomes = try await withThrowingTaskGroup(of: InsertOrderOutcome.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let record = StoreFixture.order(id: "vm-\(index)", user: "racer")
                        return try await store.insertOrder(
                            record, maxActivePaid: 3, audit: StoreFixture.audit("order.created", record))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let created = outcomes.filter { if case .created = $0 { true } else { false } }
            let refused = outcomes.filter { $0 == .quotaExceeded(active: 3, limit: 3) }
            #expect(created.count == 3)
            #expect(refused.count == 17)
            #expect(try await store.allocations(userID: "racer").count == 3)
        }
    }

    // MARK: transition

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func transitionAppliesOnlyFromAllowedStates(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let order = try await StoreFixture.insert(StoreFixture.order(id: "vm-t"), into: store)

            let refused = try await store.transition(
                id: "vm-t", from: [.paid], change: .state(.provisioning), journal: nil,
                audit: [StoreFixture.audit("provision.started", order)])
            #expect(refused.matches(.stateConflict(order)))

            var pay = AllocationChange.state(.paid)
            pay.paymentStatus = .paid
            pay.paymentReference = "ref-1"
            let outcome = try await store.transition(
                id: "vm-t", from: [.paymentRequired], change: pay, journal: nil,
                audit: [StoreFixture.audit("payment.recorded", order)])
            guard case .applied(let paid) = outcome else {
                Issue.record("payment was not applied: \(outcome)")
                return
            }
            #expect(paid.state == .paid)
            #expect(paid.paymentStatus == .paid)
            #expect(paid.paymentReference == "ref-1")
            #expect(paid.customerMessage == CustomerMessages.text(for: .paid))
            #expect(paid.matches(try await store.allocation(id: "vm-t")))

            // The audit event of a refused transition was not written.
            #expect(
                try await store.auditEvents(allocationID: "vm-t").map(\.kind) == ["order.created", "payment.recorded"])

            #expect(
                try await store.transition(
                    id: "vm-nope", from: [.paid], change: .state(.provisioning), journal: nil, audit: [])
                    == .notFound)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func transitionRefusesAMoveTheStateMachineForbids(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let order = try await StoreFixture.insert(StoreFixture.order(id: "vm-x", paid: false), into: store)
            let outcome = try await store.transition(
                id: "vm-x", from: [.paid], change: .state(.provisioned), journal: nil, audit: [])
            #expect(outcome.matches(.stateConflict(order)))
            #expect(try await store.allocation(id: "vm-x")?.state == .paid)
        }
    }

    // MARK: claimWork

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func claimWorkLeasesWorkableStatesOnce(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            // Workable: a free order (paid), one provisioning, one releasing.
            try await StoreFixture.insert(StoreFixture.order(id: "w-paid", paid: false), into: store)
            try await StoreFixture.insert(StoreFixture.order(id: "w-provisioning", paid: false), into: store)
            try await StoreFixture.move("w-provisioning", from: [.paid], .state(.provisioning), in: store)
            try await StoreFixture.insert(StoreFixture.order(id: "w-releasing", paid: false), into: store)
            try await StoreFixture.move("w-releasing", from: [.paid], .state(.provisioning), in: store)
            try await StoreFixture.move("w-releasing", from: [.provisioning], .state(.provisioned), in: store)
            try await StoreFixture.move("w-releasing", from: [.provisioned], .state(.releasing), in: store)
            // Not workable: waiting for payment, delivered, released, and a soft-deleted row.
            try await StoreFixture.insert(StoreFixture.order(id: "n-unpaid", paid: true), into: store)
            try await StoreFixture.insert(StoreFixture.order(id: "n-provisioned", paid: false), into: store)
            try await StoreFixture.move("n-provisioned", from: [.paid], .state(.provisioning), in: store)
            try await StoreFixture.move("n-provisioned", from: [.provisioning], .state(.provisioned), in: store)
            try await StoreFixture.insert(StoreFixture.order(id: "n-released", paid: true), into: store)
            try await StoreFixture.move("n-released", from: [.paymentRequired], .state(.released), in: store)
            try await StoreFixture.insert(StoreFixture.order(id: "n-deleted", paid: false), into: store)
            var delete = AllocationChange.state(.provisioning)
            delete.deletedAt = Date()
            try await StoreFixture.move("n-deleted", from: [.paid], delete, in: store)

            let now = Date()
            let leaseUntil = now.addingTimeInterval(60)
            let claimed = try await store.claimWork(owner: "worker-a", now: now, leaseUntil: leaseUntil, limit: 10)
            #expect(Set(claimed.map(\.id)) == ["w-paid", "w-provisioning", "w-releasing"])
            #expect(claimed.allSatisfy { $0.leaseOwner == "worker-a" })
            for record in claimed {
                let expiry = try #require(record.leaseExpiresAt)
                #expect(abs(expiry.timeIntervalSince(leaseUntil)) < 0.001)
            }
            let stored = try #require(try await store.allocation(id: "w-paid"))
            #expect(stored.leaseOwner == "worker-a")

            // Not again while leased, not even to another owner.
            #expect(
                try await store.claimWork(
                    owner: "worker-b", now: now.addingTimeInterval(1), leaseUntil: now.addingTimeInterval(61), limit: 10
                ).isEmpty)

            // Again once the lease has expired.
            let later = now.addingTimeInterval(61)
            let reclaimed = try await store.claimWork(
                owner: "worker-b", now: later, leaseUntil: later.addingTimeInterval(60), limit: 10)
            #expect(Set(reclaimed.map(\.id)) == ["w-paid", "w-provisioning", "w-releasing"])
            #expect(reclaimed.allSatisfy { $0.leaseOwner == "worker-b" })

            // A cleared lease makes a row claimable at once.
            var clear = AllocationChange()
            clear.lease = .clear
            try await StoreFixture.move("w-paid", from: [.paid], clear, in: store)
            #expect(
                try await store.claimWork(
                    owner: "worker-c", now: later, leaseUntil: later.addingTimeInterval(60), limit: 10
                ).map(\.id) == ["w-paid"])
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func claimWorkHonoursTheLimit(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            for index in 0..<5 {
                try await StoreFixture.insert(StoreFixture.order(id: "vm-\(index)", paid: false), into: store)
            }
            let now = Date()
            #expect(try await store.claimWork(owner: "w", now: now, leaseUntil: now + 60, limit: 0).isEmpty)
            #expect(try await store.claimWork(owner: "w", now: now, leaseUntil: now + 60, limit: 2).count == 2)
            #expect(try await store.claimWork(owner: "w", now: now, leaseUntil: now + 60, limit: 2).count == 2)
            #expect(try await store.claimWork(owner: "w", now: now, leaseUntil: now + 60, limit: 2).count == 1)
            #expect(try await store.claimWork(owner: "w", now: now, leaseUntil: now + 60, limit: 2).isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func concurrentClaimersGetDisjointRows(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var ids: Set<String> = []
            for index in 0..<50 {
                // Paid-plan orders moved to paid, as a payment does.
                let record = try await StoreFixture.insert(
                    StoreFixture.order(id: "vm-\(index)", user: "u\(index)"), into: store)
                var pay = AllocationChange.state(.paid)
                pay.paymentStatus = .paid
                try await StoreFixture.move(record.id, from: [.paymentRequired], pay, in: store)
                ids.insert(record.id)
            }
            let now = Date()
            let claims = try await withThrowingTaskGroup(of: (String, [String]).self) { group in
                for owner in ["worker-a", "worker-b"] {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await store.claimWork(
                                owner: owner, now: now, leaseUntil: now.addingTimeInterval(300), limit: 3)
                            if batch.isEmpty { return (owner, mine) }
                            #expect(batch.allSatisfy { $0.leaseOwner == owner })
                            mine += batch.map(\.id)
                            await Task.yield()
                        }
                    }
                }
                return try await group.reduce(into: [String: [String]]()) { $0[$1.0] = $1.1 }
            }
            let a = try #require(claims["worker-a"])
            let b = try #require(claims["worker-b"])
            #expect(Set(a).isDisjoint(with: b))
            #expect(a.count + b.count == 50)
            #expect(Set(a).union(b) == ids)
            for id in ids {
                let owner = try await store.allocation(id: id)?.leaseOwner
                #expect(owner == (a.contains(id) ? "worker-a" : "worker-b"))
            }
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func releaseLeasesClearsOnlyThePrefixesOwnLeases(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            for index in 0..<4 {
                try await StoreFixture.insert(StoreFixture.order(id: "vm-\(index)", paid: false), into: store)
            }
            let now = Date()
            _ = try await store.claimWork(owner: "host-a:1", now: now, leaseUntil: now + 300, limit: 2)
            let others = try await store.claimWork(owner: "host_b:1", now: now, leaseUntil: now + 300, limit: 2)
            // `_` and `%` in a prefix match literally.
            #expect(try await store.releaseLeases(ownerPrefix: "host%") == 0)
            #expect(try await store.releaseLeases(ownerPrefix: "host-a:") == 2)
            #expect(try await store.releaseLeases(ownerPrefix: "host-a:") == 0)
            let reclaimed = try await store.claimWork(owner: "host-a:2", now: now, leaseUntil: now + 300, limit: 10)
            #expect(reclaimed.count == 2)
            #expect(Set(reclaimed.map(\.id)).isDisjoint(with: others.map(\.id)))
        }
    }

    // MARK: reads

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func allocationsOfAUserAreNewestFirstWithoutSoftDeleted(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let base = Date(timeIntervalSince1970: 1_700_000_000)
            for (offset, id) in ["old", "mid", "new"].enumerated() {
                try await StoreFixture.insert(
                    StoreFixture.order(id: id, user: "u", paid: false, createdAt: base + Double(offset)), into: store)
            }
            try await StoreFixture.insert(StoreFixture.order(id: "someone-else", user: "v"), into: store)
            var delete = AllocationChange.state(.provisioning)
            delete.deletedAt = Date()
            try await StoreFixture.move("mid", from: [.paid], delete, in: store)
            #expect(try await store.allocations(userID: "u").map(\.id) == ["new", "old"])
            // Soft-deleted rows are still readable by id.
            #expect(try await store.allocation(id: "mid")?.deletedAt != nil)
        }
    }
}
