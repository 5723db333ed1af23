import Foundation
import Host
import ProvisionerAPI
import Testing

/// Schema and round-trip tests every store passes.
struct StoreMigrationTests {
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func migrateTwiceIsIdempotent(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let record = try await StoreFixture.insert(StoreFixture.order(id: "vm-m1"), into: store)
            try await store.migrate()
            try await store.migrate()
            try await store.ping()
            #expect(record.matches(try await store.allocation(id: "vm-m1")))
            try await StoreFixture.insert(StoreFixture.order(id: "vm-m2"), into: store)
            #expect(try await store.allocations(userID: "user-1").count == 2)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func recordRoundTripsEveryField(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let record = AllocationRecord(
                id: "vm-rt", userID: "user@example", plan: StoreFixture.paidPlan, backend: "simulated", isDemo: true,
                hostname: "web.example.org", sshKeys: ["ssh-ed25519 AAAA k1", "ssh-rsa BBBB k2"],
                openPorts: [22, 443], metadata: ["team": "blue", "env": "prod"], idempotencyKey: "key-rt",
                requestFingerprint: "fp-rt", now: Date(timeIntervalSince1970: 1_700_000_000))
            try await StoreFixture.insert(record, into: store)
            #expect(record.matches(try await store.allocation(id: "vm-rt")))
            #expect(record.matches(try await store.allocation(idempotencyKey: "key-rt")))
            #expect(try await store.allocation(id: "vm-missing") == nil)
        }
    }
}
