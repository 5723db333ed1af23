import Foundation
import Host
import ProvisionerAPI
import Testing

/// A transition that carries claim-ledger writes (a pool release, ``ReleasePreparing``) and one
/// that makes two legal moves at once (``AllocationChange/via``), on every store.
struct StoreTransitionClaimsTests {
    static func release(_ resource: String, of id: String) -> ClaimWrite {
        ClaimWrite(scope: "pool", resource: resource, allocationID: id, change: .free)
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aClaimWriteCommitsWithTheTransitionAndIsAudited(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let order = try await StoreFixture.insert(StoreFixture.order(paid: false), into: store)
            _ = try await store.claimResource(namespace: "pool", resource: "vm-1", allocationID: order.id, now: Date())
            let outcome = try await store.transition(
                id: order.id, from: [.paid], change: .state(.provisioning), journal: [], audit: [], events: [],
                fence: order.leaseEpoch, claims: [Self.release("vm-1", of: order.id)])
            guard case .applied = outcome else {
                Issue.record("not applied: \(outcome)")
                return
            }
            #expect(try await store.resourceClaims(namespace: "pool").isEmpty)
            let kinds = try await store.auditEvents(allocationID: order.id).map(\.kind)
            #expect(kinds.contains("pool.vm_freed"), "\(kinds)")
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aRefusedTransitionWritesNoClaimAndAMovedClaimIsLeftAlone(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let order = try await StoreFixture.insert(StoreFixture.order(paid: false), into: store)
            _ = try await store.claimResource(namespace: "pool", resource: "vm-1", allocationID: order.id, now: Date())
            // Fenced out: a stale holder's release frees nothing.
            let stale = try await store.transition(
                id: order.id, from: [.paid], change: .state(.provisioning), journal: [], audit: [], events: [],
                fence: order.leaseEpoch + 1, claims: [Self.release("vm-1", of: order.id)])
            guard case .leaseLost = stale else {
                Issue.record("a stale transition applied: \(stale)")
                return
            }
            #expect(try await store.resourceClaims(namespace: "pool").map(\.state) == [.assigned])
            // A claim that moved on (into cleaning) meanwhile is not freed by the write.
            _ = try await store.setClaimState(
                namespace: "pool", resource: "vm-1", allocationID: order.id, state: .cleaning, note: nil, now: Date(),
                audit: [])
            let applied = try await store.transition(
                id: order.id, from: [.paid], change: .state(.provisioning), journal: [], audit: [], events: [],
                fence: order.leaseEpoch, claims: [Self.release("vm-1", of: order.id)])
            guard case .applied = applied else {
                Issue.record("not applied: \(applied)")
                return
            }
            #expect(try await store.resourceClaims(namespace: "pool").map(\.state) == [.cleaning])
            #expect(!(try await store.auditEvents(allocationID: order.id).map(\.kind).contains("pool.vm_freed")))
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func twoLegalMovesInOneCommitNameTheStateBetween(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let order = try await StoreFixture.insert(StoreFixture.order(paid: true), into: store)
            var direct = AllocationChange.state(.provisioning)
            let refused = try await store.transition(
                id: order.id, from: [.paymentRequired], change: direct, journal: nil, audit: [])
            guard case .stateConflict = refused else {
                Issue.record("payment_required -> provisioning applied without a state between: \(refused)")
                return
            }
            direct.via = .provisioned  // not a legal way through
            guard
                case .stateConflict = try await store.transition(
                    id: order.id, from: [.paymentRequired], change: direct, journal: nil, audit: [])
            else {
                Issue.record("an illegal chain applied")
                return
            }
            direct.via = .paid
            let applied = try await store.transition(
                id: order.id, from: [.paymentRequired], change: direct, journal: nil, audit: [])
            guard case .applied(let updated) = applied else {
                Issue.record("payment_required -> paid -> provisioning refused: \(applied)")
                return
            }
            #expect(updated.state == .provisioning)
        }
    }
}
