import Foundation
import Logging
import ProvisionerAPI
import Synchronization
import Testing

@testable import PoolProvisioner

/// Allocations that arrive together on a store with no catalog yet (a first start under load)
/// store the config source once between them. Each stored it itself: every concurrent allocation
/// encoded the whole catalog, and with 100,000 VMs the server answered nothing for seconds.
struct PoolCatalogStampedeTests {
    /// A catalog store whose first `seed` waits until `allocations` generation reads were made, so
    /// every allocation has found the store empty before the first catalog lands; counts seeds.
    final class SeedAfterEveryoneLooked: CatalogStore {
        let inner = MemoryClaimLedger()
        let allocations: Int
        let seeds = Mutex(0)
        private let gate = Mutex<(reads: Int, waiting: [CheckedContinuation<Void, Never>])>((0, []))

        init(allocations: Int) { self.allocations = allocations }

        func generation() async throws -> Int64? {
            let ready = gate.withLock { gate -> [CheckedContinuation<Void, Never>] in
                gate.reads += 1
                guard gate.reads >= allocations else { return [] }
                defer { gate.waiting = [] }
                return gate.waiting
            }
            for waiter in ready { waiter.resume() }
            return try await inner.generation()
        }

        func seed(_ payload: String) async throws -> StoredCatalog {
            seeds.withLock { $0 += 1 }
            await withCheckedContinuation { continuation in
                let go = gate.withLock { gate -> Bool in
                    guard gate.reads < allocations else { return true }
                    gate.waiting.append(continuation)
                    return false
                }
                if go { continuation.resume() }
            }
            return try await inner.seed(payload)
        }

        func save(_ payload: String) async throws -> Int64 { try await inner.save(payload) }
        func load() async throws -> StoredCatalog? { try await inner.load() }
    }

    @Test(.timeLimit(.minutes(1)))
    func concurrentFirstAllocationsStoreTheCatalogOnce() async throws {
        let count = 16
        let catalog = SeedAfterEveryoneLooked(allocations: count)
        let pool = PoolAssignmentProvisioner(
            configuration: .init(reuse: .immediate), vms: PoolFixtures.vms(count), ledger: MemoryClaimLedger(),
            catalogStore: catalog)
        let refs = try await withThrowingTaskGroup(of: String?.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await pool.allocate(PoolFixtures.request("order-\(index)"), logger: PoolFixtures.logger)
                        .backendRef
                }
            }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(Set(refs.compactMap { $0 }).count == count)
        #expect(catalog.seeds.withLock { $0 } == 1, "each concurrent allocation stored the whole catalog itself")
    }
}
