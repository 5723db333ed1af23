import Foundation
import Host
import Logging
import PoolProvisioner
import ProvisionerAPI
import Testing

/// The pool's catalog in the store's parts: a refresh writes only the parts whose VMs changed,
/// replicas load what was published, and a refresh that died before publishing changes nothing.
struct PoolCatalogPartsTests {
    static let logger = Logger(label: "test.pool-catalog-parts", factory: { _ in SwiftLogNoOpLogHandler() })

    /// 3,000 VMs: several parts (a cut falls about every 512 VMs).
    static let vms = PoolHost.vms(3_000)

    static func partIDs(_ store: any Store) async throws -> [Int64] {
        try #require(try await store.catalogParts(namespace: "pool")).parts.map(\.id)
    }

    /// The pool as `pool` serves it after catching up with the stored catalog.
    static func served(_ pool: PoolAssignmentProvisioner) async throws -> PoolReport {
        _ = try await pool.capacitySlots(for: PlanSpec(name: "trial", priceCents: 0), logger: logger)
        return try await pool.report()
    }

    static func commits(_ store: any Store) throws -> StoreCommitCounts {
        try #require(store as? any CommitCounting).commitCounts
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aRefreshWritesOnlyThePartsWhoseVMsChanged(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let pool = PoolHost.pool(Self.vms, store: store)
            _ = try await pool.refreshPool(Self.vms, logger: Self.logger)
            let before = try await Self.partIDs(store)
            #expect(before.count > 2)

            // Nothing changed: no part is written, one small commit publishes the next generation.
            var counts = try Self.commits(store)
            #expect(try await pool.refreshPool(Self.vms, logger: Self.logger).newSize == 3_000)
            #expect(try Self.commits(store).since(counts).transactions == 1)
            #expect(try await Self.partIDs(store) == before)
            #expect(try await store.catalogGeneration(namespace: "pool") == 2)

            // One VM changed: its part alone is written again (one write, one publish).
            var changed = Self.vms
            changed[1_500].tags = ["changed"]
            counts = try Self.commits(store)
            _ = try await pool.refreshPool(changed, logger: Self.logger)
            #expect(try Self.commits(store).since(counts).transactions == 2)
            let after = try await Self.partIDs(store)
            #expect(after.count == before.count)
            #expect(zip(before, after).filter { $0 != $1 }.count == 1)

            // A replica (or a restart) loads exactly what was published.
            let replica = PoolHost.pool([PoolVM(id: "config-source")], store: store)
            #expect(try await Self.served(replica).vms.compactMap(\.vm) == changed)
        }
    }

    /// A VM inserted at the front moves the cuts only near it: the later parts are kept.
    @Test(.timeLimit(.minutes(1)))
    func insertingAVMRewritesOnlyThePartsNearIt() async throws {
        try await withStore(.disk) { store in
            let pool = PoolHost.pool(Self.vms, store: store)
            _ = try await pool.refreshPool(Self.vms, logger: Self.logger)
            let before = Set(try await Self.partIDs(store))
            _ = try await pool.refreshPool([PoolVM(id: "new-first")] + Self.vms, logger: Self.logger)
            let after = try await Self.partIDs(store)
            #expect(after.filter { !before.contains($0) }.count == 1)
            #expect(try await pool.report().vms.first?.vmID == "new-first")
        }
    }

    /// A refresh that wrote parts and died before publishing them: a restart serves the catalog
    /// published before, and the next refresh drops the orphaned parts.
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aRefreshThatDiedBeforePublishingChangesNothing(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let pool = PoolHost.pool(Self.vms, store: store)
            _ = try await pool.refreshPool(Self.vms, logger: Self.logger)
            let orphaned = try await store.writeCatalogParts(
                namespace: "pool", payloads: [PoolCatalogJSON.encode([PoolVM(id: "never-published")])])

            let restarted = PoolHost.pool([PoolVM(id: "config-source")], store: store)
            #expect(try await Self.served(restarted).vms.compactMap(\.vm) == Self.vms)

            _ = try await restarted.refreshPool(Array(Self.vms.prefix(10)), logger: Self.logger)
            #expect(
                try await store.publishCatalog(namespace: "pool", parts: orphaned, seed: false, now: Date())
                    == .missingParts(orphaned))
            #expect(try await restarted.report().size == 10)
        }
    }

    /// Two replicas refresh one after the other, the second from an older view: the parts it
    /// meant to reuse were dropped by the first's publish, so it writes them again and publishes.
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aRefreshFromAnOlderViewWritesAgainThePartsAnotherReplicaDropped(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let first = PoolHost.pool(Self.vms, store: store)
            _ = try await first.refreshPool(Self.vms, logger: Self.logger)
            let second = PoolHost.pool([PoolVM(id: "config-source")], store: store)
            #expect(try await Self.served(second).size == 3_000)  // loaded, with the parts' layout

            _ = try await first.refreshPool(Array(Self.vms.prefix(100)), logger: Self.logger)
            // `second` has not reloaded: it diffs against the 3,000-VM catalog whose parts are gone.
            var renamed = Self.vms
            renamed[0].name = "renamed"
            _ = try await second.refreshPool(renamed, logger: Self.logger)

            let third = PoolHost.pool([PoolVM(id: "config-source")], store: store)
            #expect(try await Self.served(third).vms.compactMap(\.vm) == renamed)
        }
    }
}
