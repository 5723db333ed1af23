public import Logging
public import ProvisionerAPI
import Synchronization

/// Hands out pre-built VMs from an operator-supplied pool, one customer at a time.
///
/// The pool lives in memory behind a reader-writer lock and is replaced whole by
/// ``refreshPool(_:logger:)``. Which VM is held by which allocation lives in the store's claim
/// ledger, whose unique keys make double assignment impossible, also across replicas. A released
/// VM goes back to the pool only after its release hook succeeded (``PoolAssignmentProvisionerConfiguration/Reuse``).
public final class PoolAssignmentProvisioner: Provisioner, BackgroundWorking, ReadinessChecking, CapacityReporting,
    InventoryListing
{
    /// The backend kind in config.
    public static let kind = "pool"
    /// The allocation attribute naming the host a pool VM runs on.
    public static let hostAttribute = "pool.host"

    /// `pool`.
    public var name: String { Self.kind }
    /// `false`: the VMs are real.
    public var isDemo: Bool { false }

    /// The configuration it runs with.
    public let configuration: PoolAssignmentProvisionerConfiguration

    let ledger: any ClaimLedger
    let catalogStore: (any CatalogStore)?
    /// Which hosts' VMs are not handed out; `nil` when the Host gave none.
    let hostAvailability: (any HostAvailability)?
    let environment: [String: String]
    /// The pool, replaced whole by a refresh (the reader-writer box).
    let pool: ReadWriteLockedValue<PoolSnapshot>
    /// The VMs believed free for the current snapshot (a hint; the ledger is the truth).
    let freeList: Mutex<PoolFreeList>
    /// Released VMs waiting for their hook, consumed by ``runBackgroundWork(logger:)``.
    let hookJobs: AsyncStream<ReleaseHookJob>
    let hookJobsContinuation: AsyncStream<ReleaseHookJob>.Continuation
    /// Jobs whose hook is running, so a job queued twice (by a release and by the resume of
    /// `cleaning` claims at start) runs once.
    let hooksInFlight = Mutex<Set<ReleaseHookJob>>([])
    /// Refreshes of this process that are saving or installing a catalog. While one runs,
    /// allocations keep using the installed snapshot instead of loading the catalog it is storing.
    let refreshesInFlight = Mutex(0)
    /// The catalog sync that stores or loads a whole catalog, while one runs: allocations that
    /// find the same work to do wait for it instead of each encoding or decoding the catalog.
    let catalogSyncInFlight = Mutex<Task<Void, any Error>?>(nil)
    /// How long a pool found full stays believed full by ``hasCapacity(for:logger:)`` without
    /// reading the ledger again (see there).
    let fullPoolRecheckInterval: Duration
    /// When ``hasCapacity(for:logger:)`` last read the ledger and found no VM free for a plan.
    let foundFullAt = Mutex<ContinuousClock.Instant?>(nil)

    /// Creates a pool backend.
    ///
    /// - Parameters:
    ///   - configuration: Reuse policy and release hook.
    ///   - vms: The pool as the config source gives it (already validated).
    ///   - ledger: Where claims are recorded.
    ///   - catalogStore: Where the catalog is shared with replicas; `nil` keeps it in memory only.
    ///   - environment: For the hook's token env var.
    ///   - hostAvailability: Which hosts' VMs are not handed out; `nil` hands out VMs on any host.
    ///   - fullPoolRecheckInterval: How long a pool found full is believed full before the ledger
    ///     is read again for VMs other replicas freed (see ``hasCapacity(for:logger:)``).
    public init(
        configuration: PoolAssignmentProvisionerConfiguration, vms: [PoolVM], ledger: any ClaimLedger,
        catalogStore: (any CatalogStore)?, environment: [String: String] = [:],
        hostAvailability: (any HostAvailability)? = nil, fullPoolRecheckInterval: Duration = .seconds(1)
    ) {
        self.configuration = configuration
        self.fullPoolRecheckInterval = fullPoolRecheckInterval
        self.ledger = ledger
        self.catalogStore = catalogStore
        self.hostAvailability = hostAvailability
        self.environment = environment
        pool = ReadWriteLockedValue(PoolSnapshot(generation: 0, vms: vms))
        freeList = Mutex(PoolFreeList())
        (hookJobs, hookJobsContinuation) = AsyncStream.makeStream(of: ReleaseHookJob.self)
    }

    deinit { hookJobsContinuation.finish() }

    /// The current pool (one snapshot).
    var snapshot: PoolSnapshot { pool.withReadLock { $0 } }

    /// The VMs of the current pool, in the operator's order.
    public var currentPool: [PoolVM] { Array(snapshot.vms) }

    /// Assigns a free VM serving the plan, or returns the one this allocation already holds.
    ///
    /// A VM this allocation released earlier and that is being reset (`cleaning`) or is
    /// `quarantined` is never returned: a retried order gets another VM.
    ///
    /// - Throws: ``ProvisionerError`` `pool_exhausted` (retryable) when no VM is free.
    public func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
        guard !request.allocationID.isEmpty else {
            throw ProvisionerError.invalidRequest("The allocation id is empty.")
        }
        try await syncCatalogIfNeeded(logger: logger)
        var rebuilt = false
        while true {
            guard let candidate = try await nextCandidate(plan: request.plan.name) else {
                // Only a VM the allocation still holds: one it released into a reset (cleaning,
                // quarantined) is never handed back, or its reset would wipe a delivered VM.
                if let held = try await withLedger({ try await $0.claim(of: request.allocationID) }),
                    held.state == .assigned
                {
                    return allocation(for: held.resource, allocationID: request.allocationID, attempt: held.attempt)
                }
                if !rebuilt {
                    // Other replicas may have returned VMs; ask the ledger once before giving up.
                    try await rebuildFreeList(logger: logger)
                    rebuilt = true
                    continue
                }
                logger.info(
                    "pool exhausted",
                    metadata: ["allocation.id": "\(request.allocationID)", "plan": "\(request.plan.name)"])
                throw ProvisionerError.poolExhausted("no free pool VM serves plan '\(request.plan.name)'")
            }
            // Fenced by the attempt: a cancelled call landing late claims nothing.
            let outcome = try await withLedger({
                try await $0.claim(candidate.id, for: request.allocationID, attempt: request.attempt)
            })
            switch outcome {
            case .claimed, .alreadyHeld:
                // A refresh may have removed the VM or put it in maintenance meanwhile.
                guard let current = snapshot.vm(candidate.id), current.status == .available else {
                    _ = try await withLedger({ try await $0.release(candidate.id, for: request.allocationID) })
                    continue
                }
                logger.info(
                    "pool VM assigned",
                    metadata: ["allocation.id": "\(request.allocationID)", "vm.id": "\(current.id)"])
                return allocation(for: current, allocationID: request.allocationID, attempt: request.attempt)
            case .unavailable:
                continue
            case .allocationHoldsOther(let held):
                freeList.withLock { $0.putBack(candidate) }
                return allocation(for: held.resource, allocationID: request.allocationID, attempt: held.attempt)
            }
        }
    }

    /// Releases the allocation's VM: at once (`reuse: immediate`) or into `cleaning` until its
    /// release hook succeeded. Succeeds when the allocation holds no VM. With an attempt and no
    /// backend ref (the teardown of a failed attempt), only a VM that attempt claimed is released.
    public func release(_ allocation: VmAllocation, logger: Logger) async throws {
        guard let claim = try await withLedger({ try await $0.claim(of: allocation.allocationID) }),
            claim.state == .assigned
        else {
            return
        }
        if allocation.backendRef == nil, let attempt = allocation.attempt, let tag = claim.attempt, tag != attempt {
            return  // another attempt's VM: not this teardown's to release
        }
        let metadata: Logger.Metadata = ["allocation.id": "\(allocation.allocationID)", "vm.id": "\(claim.resource)"]
        switch configuration.reuse {
        case .immediate:
            if try await withLedger({ try await $0.release(claim.resource, for: allocation.allocationID) }) {
                returnToFreeList(claim.resource)
            }
            logger.info("pool VM released and free again", metadata: metadata)
        case .afterHook:
            _ = try await withLedger({
                try await $0.setState(
                    .cleaning, of: claim.resource, for: allocation.allocationID, note: "waiting for release hook")
            })
            hookJobsContinuation.yield(
                ReleaseHookJob(vmID: claim.resource, allocationID: allocation.allocationID))
            logger.info("pool VM released; cleaning until its release hook succeeds", metadata: metadata)
        }
    }

    /// `running` while the allocation holds its VM (with `orphaned_from_pool` in the detail when a
    /// refresh removed the VM), `gone` once released.
    public func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus {
        guard let claim = try await withLedger({ try await $0.claim(of: allocation.allocationID) }),
            claim.state == .assigned
        else {
            return VmStatus(powerState: .gone)
        }
        guard snapshot.vm(claim.resource) != nil else {
            return VmStatus(powerState: .running, operatorDetail: "orphaned_from_pool: VM \(claim.resource)")
        }
        return VmStatus(powerState: .running, operatorDetail: "pool VM \(claim.resource)")
    }

    /// Whether a free VM serves the plan now (a hint for accepting orders; the claim decides).
    ///
    /// When the free list has none, the ledger is read whole for VMs other replicas freed, unless
    /// it was read for that less than ``fullPoolRecheckInterval`` ago: with 100,000 VMs the read
    /// takes about 300 ms, and every order refused by a full pool made it. VMs this process frees
    /// go back on the free list at once, so only other replicas' are seen up to that much later.
    ///
    /// - Throws: ``ProvisionerError`` `pool_exhausted` when none does, so the order is refused with
    ///   that code; `backend_unavailable` when the ledger cannot be read.
    public func hasCapacity(for plan: PlanSpec, logger: Logger) async throws -> Bool {
        try await syncCatalogIfNeeded(logger: logger)
        let rebuilt = freeList.withLock({ $0.generation }) != snapshot.generation
        if rebuilt { try await rebuildFreeList(logger: logger) }
        let unavailable = try await unavailableHosts()
        let hasFreeVM = {
            self.freeList.withLock { $0.contains(servingPlan: plan.name, unavailableHosts: unavailable) }
        }
        if hasFreeVM() { return true }
        let exhausted = ProvisionerError.poolExhausted("no free pool VM serves plan '\(plan.name)'")
        let clock = ContinuousClock()
        if !rebuilt {
            let recentlyFoundFull = foundFullAt.withLock {
                $0.map { clock.now - $0 < fullPoolRecheckInterval } ?? false
            }
            if recentlyFoundFull { throw exhausted }
            try await rebuildFreeList(logger: logger)
            if hasFreeVM() { return true }
        }
        foundFullAt.withLock { $0 = clock.now }
        throw exhausted
    }

    /// Ready when the claim ledger answers.
    public func checkReadiness(logger: Logger) async throws {
        _ = try await withLedger({ try await $0.claim(of: "readiness-probe") })
    }

    // MARK: - Helpers

    /// The allocation for a VM of the current pool, or a bare one when a refresh removed it.
    func allocation(for vmID: String, allocationID: String, attempt: Int? = nil) -> VmAllocation {
        if let vm = snapshot.vm(vmID) { return allocation(for: vm, allocationID: allocationID, attempt: attempt) }
        return VmAllocation(
            allocationID: allocationID, backend: Self.kind, backendRef: vmID,
            attributes: ["orphaned_from_pool": "true"],
            attempt: attempt)
    }

    func allocation(for vm: PoolVM, allocationID: String, attempt: Int? = nil) -> VmAllocation {
        var attributes: [String: String] = [:]
        if let name = vm.name { attributes["pool.name"] = name }
        if !vm.tags.isEmpty { attributes["pool.tags"] = vm.tags.joined(separator: ",") }
        if let host = vm.host { attributes[Self.hostAttribute] = host }
        return VmAllocation(
            allocationID: allocationID, backend: Self.kind, backendRef: vm.id, ipv4: vm.ipv4, ipv6: vm.ipv6,
            hostname: vm.name, sshHost: vm.sshHost ?? vm.ipv6 ?? vm.ipv4, sshPort: vm.sshPort ?? 22,
            cockpitURL: vm.cockpitURL, attributes: attributes, attempt: attempt)
    }

    private func nextCandidate(plan: String) async throws -> PoolVM? {
        let current = snapshot.generation
        if freeList.withLock({ $0.generation }) != current {
            try await rebuildFreeList(logger: nil)
        }
        let unavailable = try await unavailableHosts()
        return freeList.withLock { $0.take(servingPlan: plan, unavailableHosts: unavailable) }
    }

    /// The hosts whose VMs are not handed out now (stale, down or blocked), read once per pick.
    ///
    /// - Throws: ``ProvisionerError`` `backend_unavailable` when they cannot be read.
    func unavailableHosts() async throws -> Set<String> {
        guard let hostAvailability else { return [] }
        do {
            return try await hostAvailability.unavailableHosts()
        } catch {
            throw ProvisionerError.backendUnavailable("the pool could not read host health: \(error)")
        }
    }

    /// Puts a released VM back on the free list if the current pool still offers it.
    func returnToFreeList(_ vmID: String) {
        let current = snapshot
        guard let vm = current.vm(vmID), vm.status == .available else { return }
        freeList.withLock { list in
            if list.generation == current.generation { list.putBack(vm) }
        }
    }

    /// Runs a ledger call, mapping anything it throws to `backend_unavailable`.
    func withLedger<T>(_ call: (any ClaimLedger) async throws -> T) async throws -> T {
        do {
            return try await call(ledger)
        } catch let error as ProvisionerError {
            throw error
        } catch {
            throw ProvisionerError.backendUnavailable("the pool's claim ledger failed: \(error)")
        }
    }
}
