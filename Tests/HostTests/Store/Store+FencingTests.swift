import Foundation
import Host
import ProvisionerAPI
import Testing

/// Fencing, renewal, pending teardowns and released claims, against every store.
struct StoreFencingTests {
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func everyClaimBumpsTheEpochAndAStaleWriteIsRefused(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let order = try await StoreFixture.insert(StoreFixture.order(paid: false), into: store)
            #expect(order.leaseEpoch == 0)
            let now = Date()
            let first = try #require(
                try await store.claimWork(owner: "a", now: now, leaseUntil: now + 1, limit: 1).first)
            #expect(first.leaseEpoch == 1)
            // The lease expires; another worker claims: a new epoch.
            let later = now + 2
            let second = try #require(
                try await store.claimWork(owner: "b", now: later, leaseUntil: later + 60, limit: 1).first)
            #expect(second.leaseEpoch == 2)
            // The first holder's write is refused and changes nothing.
            let stale = try await store.transition(
                id: order.id, from: [.paid], change: .state(.provisioning), journal: [],
                audit: [StoreFixture.audit("provision.started", order)], events: [], fence: first.leaseEpoch)
            guard case .leaseLost(let current) = stale else {
                Issue.record("expected leaseLost, got \(stale)")
                return
            }
            #expect(current.state == .paid)
            #expect(try await store.auditEvents(allocationID: order.id).map(\.kind) == ["order.created"])
            // The current holder's write applies.
            let fresh = try await store.transition(
                id: order.id, from: [.paid], change: .state(.provisioning), journal: [], audit: [], events: [],
                fence: second.leaseEpoch)
            guard case .applied = fresh else {
                Issue.record("expected applied, got \(fresh)")
                return
            }
            // A claim through a transition bumps the epoch too.
            var claim = AllocationChange()
            claim.lease = .claim(owner: "reconcile", expiresAt: later + 60)
            let taken = try await StoreFixture.move(order.id, from: [.provisioning], claim, in: store)
            #expect(taken.leaseEpoch == 3)
            #expect(taken.leaseOwner == "reconcile")
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func onlyTheCurrentEpochRenews(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let order = try await StoreFixture.insert(StoreFixture.order(paid: false), into: store)
            let now = Date()
            let held = try #require(
                try await store.claimWork(owner: "a", now: now, leaseUntil: now + 1, limit: 1).first)
            #expect(try await store.renewLease(id: order.id, epoch: held.leaseEpoch, until: now + 100))
            #expect(try await store.allocation(id: order.id)?.leaseExpiresAt.map { $0 > now + 99 } == true)
            // Renewed: nobody else can claim it before the new expiry.
            #expect(try await store.claimWork(owner: "b", now: now + 50, leaseUntil: now + 60, limit: 1).isEmpty)
            #expect(try await !store.renewLease(id: order.id, epoch: held.leaseEpoch + 1, until: now + 200))
            #expect(try await !store.renewLease(id: "vm-missing", epoch: 1, until: now + 200))
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func pendingTeardownsAreDueOnceTheirBackoffExpired(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let order = try await StoreFixture.insert(StoreFixture.order(paid: false), into: store)
            let now = Date()
            var failing = AllocationChange.state(.failed)
            failing.teardownFailures = 1
            failing.lease = .set(owner: "teardown-backoff", expiresAt: now + 30)
            try await StoreFixture.move(order.id, from: [.paid], failing, in: store)
            #expect(try await store.allocationsWithTeardownDue(now: now, limit: 10).isEmpty)
            let due = try await store.allocationsWithTeardownDue(now: now + 31, limit: 10)
            #expect(due.map(\.id) == [order.id])
            #expect(due.first?.teardownPending == true)
            var finished = AllocationChange()
            finished.teardownFailures = 0
            try await StoreFixture.move(order.id, from: [.failed], finished, in: store)
            #expect(try await store.allocationsWithTeardownDue(now: now + 31, limit: 10).isEmpty)
            // A teardown whose runner died (an open entry, no failure yet) comes due when its lease expires.
            var taken = AllocationChange()
            taken.lease = .claim(owner: "reconcile", expiresAt: now + 30)
            let teardown = JournalEntry(
                allocationID: order.id, backend: "simulated", operation: .teardown, step: "rollback", startedAt: now,
                attempt: 1)
            _ = try await store.transition(
                id: order.id, from: [.failed], change: taken, journal: [.begin(teardown)], audit: [], events: [],
                fence: nil)
            #expect(try await store.allocationsWithTeardownDue(now: now, limit: 10).isEmpty)
            #expect(try await store.allocationsWithTeardownDue(now: now + 31, limit: 10).map(\.id) == [order.id])
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aClaimReleasedIntoAResetDoesNotCountAsTheAllocationsClaim(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            #expect(
                try await store.claimResource(namespace: "pool", resource: "vm-a", allocationID: "o1", now: now)
                    == .claimed)
            _ = try await store.setClaimState(
                namespace: "pool", resource: "vm-a", allocationID: "o1", state: .cleaning, note: nil, now: now,
                audit: [])
            // The allocation may claim another VM; the one being reset stays unavailable to everyone.
            #expect(
                try await store.claimResource(namespace: "pool", resource: "vm-b", allocationID: "o1", now: now)
                    == .claimed)
            guard
                case .unavailable = try await store.claimResource(
                    namespace: "pool", resource: "vm-a", allocationID: "o2", now: now)
            else {
                Issue.record("the VM being reset was handed out")
                return
            }
            // The allocation's claim is its assigned one; the reset is found by VM.
            #expect(try await store.resourceClaim(namespace: "pool", allocationID: "o1")?.resource == "vm-b")
            #expect(try await store.resourceClaim(namespace: "pool", resource: "vm-a")?.state == .cleaning)
            // Still one assigned claim per allocation.
            guard
                case .allocationHoldsOther(let held) = try await store.claimResource(
                    namespace: "pool", resource: "vm-c", allocationID: "o1", now: now)
            else {
                Issue.record("an allocation got two assigned claims")
                return
            }
            #expect(held.resource == "vm-b")
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aFencedClaimIsTakenOnlyByTheCurrentAttemptAndCarriesItsTag(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let order = try await StoreFixture.insert(StoreFixture.order(paid: false), into: store)
            let now = Date()
            let held = try #require(
                try await store.claimWork(owner: "a", now: now, leaseUntil: now + 1, limit: 1).first)
            // Not provisioning yet: no claim.
            #expect(
                try await store.claimResource(
                    namespace: "pool", resource: "vm-a", allocationID: order.id, attempt: held.leaseEpoch, now: now)
                    == nil)
            try await StoreFixture.move(order.id, from: [.paid], .state(.provisioning), in: store)
            #expect(
                try await store.claimResource(
                    namespace: "pool", resource: "vm-a", allocationID: order.id, attempt: held.leaseEpoch, now: now)
                    == .claimed)
            #expect(
                try await store.resourceClaim(namespace: "pool", allocationID: order.id)?.attempt == held.leaseEpoch)
            // Another attempt takes over: the first one's late claim takes nothing.
            _ = try await store.claimWork(owner: "b", now: now + 2, leaseUntil: now + 60, limit: 1)
            var superseded = AllocationChange()
            superseded.lease = .claim(owner: "b", expiresAt: now + 60)
            try await StoreFixture.move(order.id, from: [.provisioning], superseded, in: store)
            #expect(
                try await store.claimResource(
                    namespace: "pool", resource: "vm-b", allocationID: order.id, attempt: held.leaseEpoch, now: now)
                    == nil)
            #expect(try await store.resourceClaim(namespace: "pool", resource: "vm-b") == nil)
        }
    }
}
