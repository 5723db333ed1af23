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

    /// Parts are stored as the pool's packed bytes (a format byte first), and a catalog published
    /// as JSON parts, as every catalog was before the packed form, still loads on an upgrade.
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func partsAreStoredPackedAndJSONPartsFromBeforeStillLoad(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let vms = Array(Self.vms.prefix(1_200))  // a few parts; the debug build is slow
            let pool = PoolHost.pool(vms, store: store)
            _ = try await pool.refreshPool(vms, logger: Self.logger)
            let stored = try #require(try await store.catalogParts(namespace: "pool"))
            #expect(stored.parts.allSatisfy { $0.payload.isEmpty && $0.bytes?.first == 1 })

            let halves = [Array(vms[..<500]), Array(vms[500...])]
            let json = try await store.writeCatalogParts(
                namespace: "pool", payloads: halves.map(PoolCatalogJSON.encode))
            _ = try await store.publishCatalog(namespace: "pool", parts: json, seed: false, now: Date())
            let upgraded = PoolHost.pool([PoolVM(id: "config-source")], store: store)
            #expect(try await Self.served(upgraded).vms.compactMap(\.vm) == vms)

            // Its next refresh stores the pool packed again (these JSON parts were not cut where
            // the pool cuts parts, so none is kept).
            var changed = vms
            changed[1_199].name = "changed"
            _ = try await upgraded.refreshPool(changed, logger: Self.logger)
            let after = try #require(try await store.catalogParts(namespace: "pool")).parts
            #expect(after.allSatisfy { $0.bytes?.first == 1 && !json.contains($0.id) })
            let replica = PoolHost.pool([PoolVM(id: "config-source")], store: store)
            #expect(try await Self.served(replica).vms.compactMap(\.vm) == changed)
        }
    }

    /// A stored part that is damaged, or written in a format this version does not know, stops
    /// the load with an error saying so; the replica keeps serving the pool it had.
    @Test(.timeLimit(.minutes(1)))
    func aDamagedOrUnknownPartIsAClearError() async throws {
        try await withStore(.disk) { store in
            for (bytes, expected) in [([UInt8]([1, 0, 0x80, 1, 0x61]), "damaged"), ([9, 0, 0], "format 9")] {
                let part = try await store.writeCatalogParts(namespace: "pool", bytes: [bytes])
                _ = try await store.publishCatalog(namespace: "pool", parts: part, seed: false, now: Date())
                let replica = PoolHost.pool([PoolVM(id: "config-source")], store: store)
                let error = try await #require(throws: ProvisionerError.self) { try await Self.served(replica) }
                #expect(error.code == .backendUnavailable)
                let detail = error.operatorDetail ?? ""
                #expect(detail.contains("cannot read the pool catalog") && detail.contains(expected), "\(detail)")
                #expect(try await replica.report().vms.compactMap(\.vm) == [PoolVM(id: "config-source")])
            }
        }
    }

    /// A refresh writes parts while it checks the VMs: a pool refused after some parts were
    /// written publishes nothing, names the first bad entry, and the next publish drops them.
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aPoolRefusedPartWayChangesNothing(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            // 9,000 VMs of ~100 packed bytes: the first 8,192 (one step) hold three writes' worth
            // of parts, and the first two are written before the bad entries are reached.
            let vms = (0..<9_000).map {
                PoolVM(
                    id: "vm-\($0)", name: "pool VM number \($0) in rack \($0 % 40)",
                    cockpitURL: "https://vm-\($0).pool.example:9090/cockpit/")
            }
            let pool = PoolHost.pool(vms, store: store)
            _ = try await pool.refreshPool(vms, logger: Self.logger)
            let published = try await Self.partIDs(store)

            var bad = vms.map { vm in
                var vm = vm
                vm.tags = ["next"]  // every part changes
                return vm
            }
            bad[8_500].ipv4 = "nope"
            var counts = try Self.commits(store)
            let field = try await #require(throws: PoolCatalogError.self) {
                try await pool.refreshPool(bad, logger: Self.logger)
            }
            #expect(field.index == 8_500 && field.field == "ipv4")
            #expect(try Self.commits(store).since(counts).transactions >= 1, "parts were written before the refusal")
            bad[8_500].ipv4 = nil
            bad[8_900].id = "vm-3"
            counts = try Self.commits(store)
            let repeated = try await #require(throws: PoolCatalogError.self) {
                try await pool.refreshPool(bad, logger: Self.logger)
            }
            #expect(repeated.index == 8_900 && repeated.field == "id")
            #expect(try Self.commits(store).since(counts).transactions >= 1, "parts were written before the refusal")

            #expect(try await Self.partIDs(store) == published)
            #expect(try await store.catalogGeneration(namespace: "pool") == 1)
            #expect(try await pool.report().vms.compactMap(\.vm) == vms)
            let replica = PoolHost.pool([PoolVM(id: "config-source")], store: store)
            #expect(try await Self.served(replica).vms.compactMap(\.vm) == vms)
        }
    }

}
