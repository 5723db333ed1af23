import Foundation
import Host
import ProvisionerAPI
import Testing

struct StoreRestoredFromTests {
    /// `restored_from` (SQLite v9, PostgreSQL 6) is stored with the order and kept by transitions.
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func restoredFromIsStoredAndKept(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var order = StoreFixture.order(id: "vm-new", fingerprint: "fp")
            order.restoredFrom = "vm-old"
            try await StoreFixture.insert(order, into: store)
            #expect(try await store.allocation(id: "vm-new")?.restoredFrom == "vm-old")
            var change = AllocationChange()
            change.operatorMessage = "touched"
            _ = try await store.transition(
                id: "vm-new", from: [order.state], change: change, journal: nil, audit: [])
            let after = try #require(try await store.allocation(id: "vm-new"))
            #expect(after.restoredFrom == "vm-old")
            #expect(after.operatorMessage == "touched")
            try await StoreFixture.insert(StoreFixture.order(id: "vm-plain", fingerprint: "fp2"), into: store)
            #expect(try await store.allocation(id: "vm-plain")?.restoredFrom == nil)
        }
    }
}
