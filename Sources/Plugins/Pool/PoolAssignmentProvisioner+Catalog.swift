import Foundation
public import Logging
import ProvisionerAPI
import Synchronization

extension PoolAssignmentProvisioner {
    /// Replaces the whole pool in one step, after validating it and saving it as the new catalog
    /// generation (so replicas sharing the store swap to the same pool).
    ///
    /// VMs that vanish while assigned stay assigned (reported as `orphaned_from_pool`).
    ///
    /// - Returns: The pool size before and after.
    /// - Throws: ``PoolCatalogError`` for a bad pool (nothing changes), or ``ProvisionerError``
    ///   `backend_unavailable` when the catalog cannot be saved.
    public func refreshPool(_ vms: [PoolVM], logger: Logger) async throws -> (previousSize: Int, newSize: Int) {
        let validated = try vms.validated()
        refreshesInFlight.withLock { $0 += 1 }
        defer { refreshesInFlight.withLock { $0 -= 1 } }
        let generation: Int64
        if let catalogStore {
            let payload = PoolCatalogJSON.encode(validated)
            do {
                generation = try await catalogStore.save(payload)
            } catch {
                throw ProvisionerError.backendUnavailable("cannot save the pool catalog: \(error)")
            }
        } else {
            generation = snapshot.generation + 1
        }
        // The new free list is built before the swap, so allocations after it find one ready
        // instead of each rebuilding it from the ledger.
        let next = PoolSnapshot(generation: generation, vms: validated)
        let claimed = Set(try await withLedger({ try await $0.claims() }).map(\.resource))
        let list = PoolFreeList(snapshot: next, claimed: claimed)
        let sizes = install(next)
        freeList.withLock { if $0.generation < generation { $0 = list } }
        logger.info(
            "pool refreshed",
            metadata: [
                "pool.generation": "\(generation)", "pool.previous_size": "\(sizes.previousSize)",
                "pool.size": "\(sizes.newSize)",
            ])
        return sizes
    }

    /// Swaps in `vms` as `generation` unless a newer generation is already installed.
    @discardableResult
    func install(_ vms: [PoolVM], generation: Int64) -> (previousSize: Int, newSize: Int) {
        install(PoolSnapshot(generation: generation, vms: vms))  // built outside the lock
    }

    /// Swaps in `next` unless a newer generation is already installed.
    @discardableResult
    func install(_ next: PoolSnapshot) -> (previousSize: Int, newSize: Int) {
        pool.withWriteLock { current in
            let previousSize = current.count
            guard next.generation > current.generation else { return (previousSize, current.count) }
            current = next
            return (previousSize, next.count)
        }
    }

    /// Loads the stored catalog when it is newer than ours; stores ours when none exists yet.
    func syncCatalogIfNeeded(logger: Logger) async throws {
        guard let catalogStore else { return }
        let local = snapshot.generation
        do {
            guard let stored = try await catalogStore.generation() else {
                // First start on this store: the config source becomes generation 1, unless a
                // refresh or another replica got there first (then theirs is loaded below).
                let current = snapshot
                let payload = PoolCatalogJSON.encode(current.vms)
                let seeded = try await catalogStore.seed(payload)
                if seeded.payload == payload {
                    install(current.vms, generation: seeded.generation)
                    logger.info(
                        "pool catalog stored from the config source",
                        metadata: ["pool.generation": "\(seeded.generation)", "pool.size": "\(current.count)"])
                    return
                }
                return try await syncCatalogIfNeeded(logger: logger)
            }
            guard stored > local else { return }
            if refreshesInFlight.withLock({ $0 > 0 }) {
                // Most likely the catalog our own refresh just saved, about to be installed: this
                // allocation counts as made just before the refresh rather than waiting for it
                // (decoding 100,000 VMs would stall it). Another replica's newer catalog, if that
                // is what it is, is loaded by the first allocation after the refresh.
                return
            }
            guard let catalog = try await catalogStore.load() else { return }
            let vms = try PoolCatalogJSON.decode(Data(catalog.payload.utf8))
            install(vms, generation: catalog.generation)
            if local == 0 {
                logger.info(
                    "pool loaded from the stored catalog (it wins over the config source after a refresh)",
                    metadata: ["pool.generation": "\(catalog.generation)", "pool.size": "\(vms.count)"])
            } else {
                logger.info(
                    "pool reloaded: another replica refreshed it",
                    metadata: ["pool.generation": "\(catalog.generation)", "pool.size": "\(vms.count)"])
            }
        } catch let error as ProvisionerError {
            throw error
        } catch {
            throw ProvisionerError.backendUnavailable("cannot read the pool catalog: \(error)")
        }
    }

    /// Rebuilds the free list from the current snapshot and the ledger's claims.
    func rebuildFreeList(logger: Logger?) async throws {
        while true {
            let current = snapshot
            let claimed = Set(try await withLedger({ try await $0.claims() }).map(\.resource))
            let list = PoolFreeList(snapshot: current, claimed: claimed)
            let installed = freeList.withLock { free -> Bool in
                guard snapshot.generation == current.generation else { return false }
                free = list
                return true
            }
            if installed {
                logger?.debug(
                    "pool free list rebuilt",
                    metadata: ["pool.generation": "\(current.generation)", "pool.free": "\(list.count)"])
                return
            }
        }
    }
}
