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
        refreshesInFlight.withLock { $0 += 1 }
        defer { refreshesInFlight.withLock { $0 -= 1 } }
        let next: PoolSnapshot
        if let partStore = catalogStore as? any CatalogPartStore {
            // Only the parts whose VMs changed are written, in short transactions while the VMs
            // are checked, then published in one small commit: allocations' claim commits never
            // wait behind a whole catalog.
            let stored: (prepared: PoolSnapshot, outcome: PoolCatalogParts.Outcome)
            do {
                stored = try await PoolCatalogParts.checkAndStore(vms, previous: snapshot, in: partStore)
            } catch let error as PoolCatalogError {
                throw error
            } catch {
                throw ProvisionerError.backendUnavailable("cannot save the pool catalog: \(error)")
            }
            guard case .published(let generation, let layout) = stored.outcome else {
                throw ProvisionerError.backendUnavailable("cannot save the pool catalog: the store did not publish it")
            }
            next = stored.prepared.stored(as: generation, layout: layout)
        } else {
            // Checked, packed and indexed before anything is stored.
            let prepared = try PoolSnapshot(generation: 0, validating: vms)
            if let catalogStore {
                let payload = PoolCatalogJSON.encode(vms)
                do {
                    next = prepared.stored(as: try await catalogStore.save(payload), layout: nil)
                } catch {
                    throw ProvisionerError.backendUnavailable("cannot save the pool catalog: \(error)")
                }
            } else {
                next = prepared.stored(as: snapshot.generation + 1, layout: nil)
            }
        }
        // The new free list is built before the swap and installed with it, so allocations after
        // it find one ready instead of each rebuilding it from the ledger.
        let claimed = Set(try await withLedger({ try await $0.claims() }).map(\.resource))
        let sizes = install(next, freeList: PoolFreeList(snapshot: next, claimed: claimed))
        logger.info(
            "pool refreshed",
            metadata: [
                "pool.generation": "\(next.generation)", "pool.previous_size": "\(sizes.previousSize)",
                "pool.size": "\(sizes.newSize)",
            ])
        return sizes
    }

    /// Swaps in `next`, and `list` as its free list, unless a newer generation is already installed.
    /// Both change under the free list's lock, so no allocation sees the new pool with the old list.
    @discardableResult
    func install(_ next: PoolSnapshot, freeList list: PoolFreeList? = nil) -> (previousSize: Int, newSize: Int) {
        freeList.withLock { free in
            let (previousSize, installed) = pool.withWriteLock { current in
                let previousSize = current.count
                guard next.generation > current.generation else { return (previousSize, false) }
                current = next
                return (previousSize, true)
            }
            guard installed else { return (previousSize, snapshot.count) }
            if let list { free = list }
            return (previousSize, next.count)
        }
    }

    /// Loads the stored catalog when it is newer than ours; stores ours when none exists yet.
    ///
    /// Every allocation asks, so the common answer (the installed generation is current) costs one
    /// small read. Storing or loading a whole catalog runs once at a time: callers that find work
    /// to do while a sync runs wait for it and then check again. Before, each concurrent
    /// allocation right after a start (or after another replica's refresh) encoded or decoded
    /// the whole 100,000-VM catalog itself, and the server answered nothing for seconds.
    func syncCatalogIfNeeded(logger: Logger) async throws {
        guard let catalogStore else { return }
        while true {
            do {
                // Generations are installed in increasing order, so the pool as it is after the
                // read is the one to compare with (see ``install(_:freeList:)``).
                if let stored = try await catalogStore.generation(), stored <= snapshot.generation {
                    return
                }
            } catch {
                throw ProvisionerError.backendUnavailable("cannot read the pool catalog: \(error)")
            }
            let (sync, mine) = catalogSyncInFlight.withLock { inFlight -> (Task<Void, any Error>, Bool) in
                if let running = inFlight { return (running, false) }
                let started = Task {
                    defer { self.catalogSyncInFlight.withLock { $0 = nil } }
                    try await self.syncCatalog(logger: logger)
                }
                inFlight = started
                return (started, true)
            }
            guard mine else {
                // Someone else's sync: whatever it found, this caller checks again afterwards.
                _ = try? await sync.value
                continue
            }
            return try await sync.value
        }
    }

    /// One sync: loads the stored catalog when it is newer than ours; stores ours when none
    /// exists yet. Only through ``syncCatalogIfNeeded(logger:)``, one at a time.
    private func syncCatalog(logger: Logger) async throws {
        guard let catalogStore else { return }
        let local = snapshot.generation
        do {
            guard let stored = try await catalogStore.generation() else {
                // First start on this store: the config source becomes generation 1, unless a
                // refresh or another replica got there first (then theirs is loaded below).
                let current = snapshot
                if let partStore = catalogStore as? any CatalogPartStore {
                    guard
                        case .published(let generation, let layout) = try await PoolCatalogParts.store(
                            current, previous: nil, in: partStore, seed: true)
                    else { return try await syncCatalog(logger: logger) }
                    install(current.stored(as: generation, layout: layout))
                    PoolFreedMemory.giveBack()
                    logger.info(
                        "pool catalog stored from the config source",
                        metadata: ["pool.generation": "\(generation)", "pool.size": "\(current.count)"])
                    return
                }
                let payload = PoolCatalogJSON.encode(current.vms)
                let seeded = try await catalogStore.seed(payload)
                if seeded.payload == payload {
                    install(current.stored(as: seeded.generation, layout: nil))
                    logger.info(
                        "pool catalog stored from the config source",
                        metadata: ["pool.generation": "\(seeded.generation)", "pool.size": "\(current.count)"])
                    return
                }
                return try await syncCatalog(logger: logger)
            }
            // Against the pool as it is now, not as it was before the read: a refresh of ours that
            // finished meanwhile installed this generation already, and loading it again would
            // stall this allocation for a whole catalog decode.
            guard stored > local, stored > snapshot.generation else { return }
            if refreshesInFlight.withLock({ $0 > 0 }) {
                // Most likely the catalog our own refresh just saved, about to be installed: this
                // allocation counts as made just before the refresh rather than waiting for it
                // (decoding 100,000 VMs would stall it). Another replica's newer catalog, if that
                // is what it is, is loaded by the first allocation after the refresh.
                return
            }
            let loaded: PoolSnapshot
            if let partStore = catalogStore as? any CatalogPartStore {
                guard let catalog = try await PoolCatalogParts.load(from: partStore) else { return }
                loaded = catalog
            } else {
                guard let catalog = try await catalogStore.load() else { return }
                loaded = PoolSnapshot(
                    generation: catalog.generation, vms: try PoolCatalogJSON.decode(Data(catalog.payload.utf8)))
            }
            install(loaded)
            PoolFreedMemory.giveBack()
            if local == 0 {
                logger.info(
                    "pool loaded from the stored catalog (it wins over the config source after a refresh)",
                    metadata: ["pool.generation": "\(loaded.generation)", "pool.size": "\(loaded.count)"])
            } else {
                logger.info(
                    "pool reloaded: another replica refreshed it",
                    metadata: ["pool.generation": "\(loaded.generation)", "pool.size": "\(loaded.count)"])
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
