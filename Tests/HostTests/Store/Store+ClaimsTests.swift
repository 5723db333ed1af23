import Foundation
import Host
import ProvisionerAPI
import Testing

struct StoreClaimsTests {
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aResourceIsHeldByOneAllocationAndAnAllocationHoldsOneResource(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let now = Date()
            #expect(
                try await store.claimResource(namespace: "pool", resource: "vm-1", allocationID: "a", now: now)
                    == .claimed)
            #expect(
                try await store.claimResource(namespace: "pool", resource: "vm-1", allocationID: "a", now: now)
                    == .alreadyHeld)
            let taken = try await store.claimResource(namespace: "pool", resource: "vm-1", allocationID: "b", now: now)
            #expect(taken == .unavailable(ResourceClaim(resource: "vm-1", allocationID: "a", state: .assigned)))
            let other = try await store.claimResource(namespace: "pool", resource: "vm-2", allocationID: "a", now: now)
            #expect(
                other == .allocationHoldsOther(ResourceClaim(resource: "vm-1", allocationID: "a", state: .assigned)))
            // Namespaces are independent.
            #expect(
                try await store.claimResource(namespace: "other", resource: "vm-1", allocationID: "b", now: now)
                    == .claimed)
            #expect(try await store.resourceClaim(namespace: "pool", allocationID: "a")?.resource == "vm-1")
            #expect(try await store.resourceClaim(namespace: "pool", allocationID: "b") == nil)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func claimsMoveThroughCleaningAndQuarantineAndAreReleasedWithAudit(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let now = Date()
            _ = try await store.claimResource(namespace: "pool", resource: "vm-1", allocationID: "a", now: now)
            let quarantine = AuditEvent(
                at: now, kind: "pool.vm_quarantined", allocationID: "a", userID: nil, actor: "pool", requestID: nil)
            #expect(
                try await store.setClaimState(
                    namespace: "pool", resource: "vm-1", allocationID: "a", state: .quarantined, note: "wipe failed",
                    now: now, audit: [quarantine]))
            #expect(
                try await store.setClaimState(
                    namespace: "pool", resource: "vm-1", allocationID: "zzz", state: .cleaning, note: nil, now: now,
                    audit: []) == false)
            #expect(
                try await store.resourceClaims(namespace: "pool") == [
                    ResourceClaim(resource: "vm-1", allocationID: "a", state: .quarantined, note: "wipe failed")
                ])
            // A quarantined VM stays unavailable.
            guard
                case .unavailable = try await store.claimResource(
                    namespace: "pool", resource: "vm-1", allocationID: "b", now: now)
            else {
                Issue.record("a quarantined resource was claimable")
                return
            }
            let returned = AuditEvent(
                at: now, kind: "pool.vm_freed", allocationID: "a", userID: nil, actor: "admin", requestID: nil)
            #expect(
                try await store.releaseClaim(namespace: "pool", resource: "vm-1", allocationID: "a", audit: [returned]))
            #expect(
                try await store.releaseClaim(namespace: "pool", resource: "vm-1", allocationID: "a", audit: []) == false
            )
            #expect(try await store.resourceClaims(namespace: "pool").isEmpty)
            let kinds = try await store.auditEvents(allocationID: "a").map(\.kind)
            #expect(kinds == ["pool.vm_quarantined", "pool.vm_freed"])
            #expect(
                try await store.claimResource(namespace: "pool", resource: "vm-1", allocationID: "b", now: now)
                    == .claimed)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func claimsAreListedByStateAndAge(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let old = Date(timeIntervalSince1970: 1_700_000_000)
            for (index, state) in [ClaimState.cleaning, .cleaning, .quarantined].enumerated() {
                _ = try await store.claimResource(
                    namespace: "pool", resource: "vm-\(index)", allocationID: "a-\(index)", now: old)
                _ = try await store.setClaimState(
                    namespace: "pool", resource: "vm-\(index)", allocationID: "a-\(index)", state: state, note: nil,
                    now: old + Double(index), audit: [])
            }
            let stale = try await store.resourceClaims(namespace: "pool", state: .cleaning, updatedBefore: old + 1)
            #expect(stale.map(\.resource) == ["vm-0"])
            let both = try await store.resourceClaims(namespace: "pool", state: .cleaning, updatedBefore: old + 10)
            #expect(both.map(\.resource) == ["vm-0", "vm-1"])
            #expect(
                try await store.resourceClaims(namespace: "other", state: .cleaning, updatedBefore: old + 10).isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func twoHundredConcurrentClaimsOfOneHundredResourcesYieldExactlyOneHundred(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let outcomes = try await withThrowingTaskGroup(of: (String, String, ClaimOutcome).self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let resource = "vm-\(index % 100)"
                        let allocation = "alloc-\(index)"
                        let outcome = try await store.claimResource(
                            namespace: "pool", resource: resource, allocationID: allocation, now: Date())
                        return (resource, allocation, outcome)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = outcomes.filter { $0.2 == .claimed }
            #expect(winners.count == 100)
            #expect(Set(winners.map(\.0)).count == 100)
            let claims = try await store.resourceClaims(namespace: "pool")
            #expect(claims.count == 100)
            #expect(Set(claims.map(\.allocationID)) == Set(winners.map(\.1)))
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func catalogGenerationsIncreaseWithEverySave(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            #expect(try await store.catalog(namespace: "pool") == nil)
            #expect(try await store.catalogGeneration(namespace: "pool") == nil)
            #expect(try await store.saveCatalog(namespace: "pool", payload: "[1]", now: Date()) == 1)
            #expect(try await store.saveCatalog(namespace: "pool", payload: "[1,2]", now: Date()) == 2)
            #expect(try await store.saveCatalog(namespace: "other", payload: "[]", now: Date()) == 1)
            #expect(try await store.catalog(namespace: "pool") == StoredCatalog(generation: 2, payload: "[1,2]"))
            #expect(try await store.catalogGeneration(namespace: "pool") == 2)
        }
    }
}

struct SQLiteStoreCatalogSeedTests {
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func seedingNeverOverwritesAnExistingCatalog(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            #expect(
                try await store.seedCatalog(namespace: "pool", payload: "[seed]", now: Date())
                    == StoredCatalog(generation: 1, payload: "[seed]"))
            #expect(
                try await store.seedCatalog(namespace: "pool", payload: "[other]", now: Date())
                    == StoredCatalog(generation: 1, payload: "[seed]"))
            #expect(try await store.saveCatalog(namespace: "pool", payload: "[refresh]", now: Date()) == 2)
            #expect(
                try await store.seedCatalog(namespace: "pool", payload: "[late seed]", now: Date())
                    == StoredCatalog(generation: 2, payload: "[refresh]"))
        }
    }
}
