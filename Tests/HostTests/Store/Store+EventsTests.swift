import Foundation
import Host
import ProvisionerAPI
import Testing

struct StoreEventsTests {
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func lifecycleEventsAreFilteredAndPaginatedNewestFirst(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let kinds = ["vm_stopped", "vm_recovered", "vm_gone", "orphan_detected"]
            try await store.appendEvents(
                kinds.enumerated().map { index, kind in
                    LifecycleEvent(
                        at: Date(), kind: kind, allocationID: index < 3 ? "vm-a" : nil, backend: "simulated",
                        backendRef: "ref-\(index)", detail: "detail \(index)")
                })
            let all = try await store.lifecycleEvents(matching: .init(), limit: 10, beforeID: nil)
            #expect(all.map(\.kind) == kinds.reversed())
            let page = try await store.lifecycleEvents(matching: .init(), limit: 2, beforeID: nil)
            let next = try await store.lifecycleEvents(matching: .init(), limit: 2, beforeID: page.last?.id)
            #expect((page + next).map(\.kind) == kinds.reversed())
            #expect(
                try await store.lifecycleEvents(matching: .init(kind: "vm_gone"), limit: 10, beforeID: nil).count == 1)
            let ofA = try await store.lifecycleEvents(allocationID: "vm-a")
            #expect(ofA.map(\.kind) == ["vm_stopped", "vm_recovered", "vm_gone"])
            #expect(ofA.first?.backendRef == "ref-0")
            #expect(ofA.first?.detail == "detail 0")
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aTransitionCommitsItsLifecycleEventsWithIt(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let order = try await StoreFixture.insert(StoreFixture.order(paid: false), into: store)
            let event = LifecycleEvent(
                at: Date(), kind: "deadline_exceeded", allocationID: order.id, backend: "simulated")
            let outcome = try await store.transition(
                id: order.id, from: [.paid], change: .state(.provisioning), journal: nil, audit: [], events: [event])
            guard case .applied = outcome else {
                Issue.record("transition did not apply: \(outcome)")
                return
            }
            #expect(try await store.lifecycleEvents(allocationID: order.id).map(\.kind) == ["deadline_exceeded"])
            // A transition that does not apply writes no event.
            _ = try await store.transition(
                id: order.id, from: [.paid], change: .state(.provisioning), journal: nil, audit: [], events: [event])
            #expect(try await store.lifecycleEvents(allocationID: order.id).count == 1)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func usersKeepTheirForgeID(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            #expect(try await store.user(id: "u") == nil)
            #expect(try await store.upsertUser(id: "u", forgeID: nil, now: Date()).forgeID == nil)
            #expect(try await store.upsertUser(id: "u", forgeID: "forge-7", now: Date()).forgeID == "forge-7")
            // A later order without a forge id keeps the one stored.
            #expect(try await store.upsertUser(id: "u", forgeID: nil, now: Date()).forgeID == "forge-7")
            #expect(try await store.user(id: "u")?.forgeID == "forge-7")
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func allocationsAreListedByFilterAndCountedByState(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let base = Date()
            for index in 0..<5 {
                try await StoreFixture.insert(
                    StoreFixture.order(
                        id: "vm-\(index)", user: index.isMultiple(of: 2) ? "even" : "odd", paid: index < 3,
                        createdAt: base.addingTimeInterval(Double(index))),
                    into: store)
            }
            let all = try await store.allocations(matching: .init(), limit: 10, offset: 0)
            #expect(all.map(\.id) == ["vm-4", "vm-3", "vm-2", "vm-1", "vm-0"])
            let page = try await store.allocations(matching: .init(), limit: 2, offset: 2)
            #expect(page.map(\.id) == ["vm-2", "vm-1"])
            let even = try await store.allocations(matching: .init(userID: "even"), limit: 10, offset: 0)
            #expect(even.map(\.id) == ["vm-4", "vm-2", "vm-0"])
            let free = try await store.allocations(matching: .init(state: .paid), limit: 10, offset: 0)
            #expect(free.map(\.id) == ["vm-4", "vm-3"])
            let counts = try await store.allocationCountsByState()
            #expect(counts == [.paymentRequired: 3, .paid: 2])
        }
    }
}
