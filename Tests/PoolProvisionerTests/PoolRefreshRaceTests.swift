import Foundation
import Logging
import ProvisionerAPI
import Synchronization
import Testing

@testable import PoolProvisioner

/// An allocation that reads the stored catalog generation while this replica's own refresh
/// finishes must not load the whole catalog again: it compared the store against the pool as it
/// was before the read, so it decoded all of a 100,000-VM catalog inline (the bench's "longest
/// allocation while refreshing", 550 ms and more).
struct PoolRefreshRaceTests {
    /// A catalog store that runs a refresh of the pool, to its end, inside the first generation
    /// read after it is armed, and counts whole-catalog loads.
    final class RefreshDuringGenerationRead: CatalogStore {
        let inner: MemoryClaimLedger
        let next: [PoolVM]
        let armed = Mutex(false)
        let loads = Mutex(0)
        let pool = Mutex<PoolAssignmentProvisioner?>(nil)

        init(inner: MemoryClaimLedger, next: [PoolVM]) {
            self.inner = inner
            self.next = next
        }

        func save(_ payload: String) async throws -> Int64 { try await inner.save(payload) }
        func seed(_ payload: String) async throws -> StoredCatalog { try await inner.seed(payload) }
        func load() async throws -> StoredCatalog? {
            loads.withLock { $0 += 1 }
            return try await inner.load()
        }
        func generation() async throws -> Int64? {
            let refresh = armed.withLock { armed in
                defer { armed = false }
                return armed
            }
            if refresh, let pool = pool.withLock({ $0 }) {
                _ = try await pool.refreshPool(next, logger: PoolFixtures.logger)
            }
            return try await inner.generation()
        }
    }

    @Test func anAllocationDuringOurOwnRefreshDoesNotReloadTheCatalog() async throws {
        let ledger = MemoryClaimLedger()
        let catalog = RefreshDuringGenerationRead(inner: ledger, next: PoolFixtures.vms(6, prefix: "next"))
        let pool = PoolAssignmentProvisioner(
            configuration: .init(reuse: .immediate), vms: PoolFixtures.vms(4), ledger: ledger,
            catalogStore: catalog)
        catalog.pool.withLock { $0 = pool }
        // The first allocation stores the config source as generation 1.
        let first = try await pool.allocate(PoolFixtures.request("first"), logger: PoolFixtures.logger)
        try await pool.release(first, logger: PoolFixtures.logger)
        #expect(catalog.loads.withLock { $0 } == 0)

        catalog.armed.withLock { $0 = true }
        let during = try await pool.allocate(PoolFixtures.request("during"), logger: PoolFixtures.logger)
        #expect(
            catalog.loads.withLock { $0 } == 0, "the allocation loaded the catalog its own replica had just installed")
        #expect(during.backendRef?.hasPrefix("next-") == true)
        #expect(pool.currentPool.count == 6)
    }
}
