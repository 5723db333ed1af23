import Foundation
import Host
import Logging
import ProvisionerAPI
import SimulatedProvisioner
import Synchronization

/// The service layer over a migrated in-memory store and a simulated backend, built per test.
struct ServiceHarness {
    static let logger = Logger(label: "test.service", factory: { _ in SwiftLogNoOpLogHandler() })

    let configuration: HostConfiguration
    let store: any Store
    let sqlite: SQLiteStore
    let simulated: SimulatedProvisioner
    let backend: any Provisioner
    let signal: WorkSignal
    let orders: OrderService
    let provisioning: ProvisioningService
    /// The metrics the services count into.
    let metrics: ServiceMetrics
    var logger: Logger { Self.logger }

    /// Builds the services, runs `body`, then closes the store.
    ///
    /// - Parameters:
    ///   - simulated: The simulated backend's configuration (no delay by default).
    ///   - configure: Changes to the default configuration.
    ///   - wrapStore: Wraps the real store, e.g. to inject failures.
    ///   - wrapBackend: Wraps the simulated backend, e.g. to count calls.
    static func with<T>(
        simulated: SimulatedProvisionerConfiguration = .init(provisionDelayMilliseconds: 0),
        configure: (inout HostConfiguration) -> Void = { _ in },
        wrapStore: (SQLiteStore) -> any Store = { $0 },
        wrapBackend: (SimulatedProvisioner) -> any Provisioner = { $0 },
        _ body: (ServiceHarness) async throws -> T
    ) async throws -> T {
        var configuration = HostConfiguration()
        configuration.worker.pollIntervalMilliseconds = 50
        configure(&configuration)
        let sqlite = try SQLiteStore(path: ":memory:")
        try await sqlite.migrate()
        let store = wrapStore(sqlite)
        let simulatedBackend = SimulatedProvisioner(configuration: simulated)
        let backend = wrapBackend(simulatedBackend)
        let signal = WorkSignal()
        let metrics = ServiceMetrics()
        let harness = ServiceHarness(
            configuration: configuration, store: store, sqlite: sqlite, simulated: simulatedBackend, backend: backend,
            signal: signal,
            orders: OrderService(
                store: store, backend: backend, configuration: configuration, signal: signal, metrics: metrics),
            provisioning: ProvisioningService(
                store: store, backend: backend, plans: configuration.plans, metrics: metrics,
                teardownBaseDelay: .milliseconds(1)), metrics: metrics)
        do {
            let result = try await body(harness)
            try await sqlite.close()
            return result
        } catch {
            try? await sqlite.close()
            throw error
        }
    }

    /// Creates an order for `plan` (free `trial` by default).
    func order(
        user: String = "user-1", plan: String = "trial", key: String? = nil, openPorts: [Int] = []
    ) async throws -> AllocationRecord {
        try await orders.createOrder(
            NewOrder(userID: user, plan: plan, openPorts: openPorts), idempotencyKey: key, requestID: nil,
            logger: logger
        ).record
    }
}

/// Forwards to a backend and counts the mutating calls.
final class CountingProvisioner: Provisioner {
    let base: any Provisioner
    private let counts = Mutex((allocate: 0, release: 0))  // the only mutable state

    init(_ base: any Provisioner) { self.base = base }

    var name: String { base.name }
    var isDemo: Bool { base.isDemo }
    var allocateCalls: Int { counts.withLock { $0.allocate } }
    var releaseCalls: Int { counts.withLock { $0.release } }

    func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
        counts.withLock { $0.allocate += 1 }
        return try await base.allocate(request, logger: logger)
    }

    func release(_ allocation: VmAllocation, logger: Logger) async throws {
        counts.withLock { $0.release += 1 }
        try await base.release(allocation, logger: logger)
    }

    func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus {
        try await base.status(allocation, logger: logger)
    }
}

/// A ``Store`` that forwards to a real one but fails every transition to `provisioned` or
/// `degraded`: the commit of a finished provisioning (`finalize`).
struct FinalizeFailingStore: Store {
    struct InjectedFailure: Error, CustomStringConvertible {
        var description: String { "injected: the finalize commit failed" }
    }

    let base: any Store
    /// How many finalize commits still fail; `nil`: every one.
    let remaining: Countdown?

    init(base: any Store, times: Int? = nil) {
        self.base = base
        self.remaining = times.map(Countdown.init)
    }

    /// A shared, decreasing count.
    final class Countdown: Sendable {
        private let value: Mutex<Int>  // the only mutable state
        init(_ start: Int) { value = Mutex(start) }
        /// Takes one; `false` once none is left.
        func take() -> Bool { value.withLock { if $0 > 0 { $0 -= 1; return true } else { return false } } }
    }

    func migrate() async throws { try await base.migrate() }
    func ping() async throws { try await base.ping() }
    func close() async throws { try await base.close() }

    func insertOrder(_ order: OrderInsertion) async throws -> InsertOrderOutcome {
        try await base.insertOrder(order)
    }

    func allocation(id: String) async throws -> AllocationRecord? { try await base.allocation(id: id) }
    func allocation(idempotencyKey: String) async throws -> AllocationRecord? {
        try await base.allocation(idempotencyKey: idempotencyKey)
    }
    func allocations(userID: String) async throws -> [AllocationRecord] { try await base.allocations(userID: userID) }

    func transition(
        id: String, from: Set<LaunchProofStatus>, change: AllocationChange, journal: [JournalMutation],
        audit: [AuditEvent], events: [LifecycleEvent], fence: Int?, claims: [ClaimWrite]
    ) async throws -> TransitionOutcome {
        if change.state == .provisioned || change.state == .degraded, remaining?.take() ?? true {
            throw InjectedFailure()
        }
        return try await base.transition(
            id: id, from: from, change: change, journal: journal, audit: audit, events: events, fence: fence,
            claims: claims)
    }

    func allocations(matching filter: AllocationFilter, limit: Int, offset: Int) async throws -> [AllocationRecord] {
        try await base.allocations(matching: filter, limit: limit, offset: offset)
    }
    func allocationCountsByState() async throws -> [LaunchProofStatus: Int] {
        try await base.allocationCountsByState()
    }

    func claimWork(owner: String, now: Date, leaseUntil: Date, limit: Int) async throws -> [AllocationRecord] {
        try await base.claimWork(owner: owner, now: now, leaseUntil: leaseUntil, limit: limit)
    }

    func releaseLeases(ownerPrefix: String) async throws -> Int {
        try await base.releaseLeases(ownerPrefix: ownerPrefix)
    }
    func renewLease(id: String, epoch: Int, until: Date) async throws -> Bool {
        try await base.renewLease(id: id, epoch: epoch, until: until)
    }
    func allocationsWithTeardownDue(now: Date, limit: Int) async throws -> [AllocationRecord] {
        try await base.allocationsWithTeardownDue(now: now, limit: limit)
    }
    func resourceClaims(namespace: String, state: ClaimState, updatedBefore: Date) async throws -> [ResourceClaim] {
        try await base.resourceClaims(namespace: namespace, state: state, updatedBefore: updatedBefore)
    }
    func unfinishedJournalEntries() async throws -> [JournalEntry] { try await base.unfinishedJournalEntries() }
    func journalEntries(allocationID: String) async throws -> [JournalEntry] {
        try await base.journalEntries(allocationID: allocationID)
    }

    func appendAudit(_ events: [AuditEvent]) async throws { try await base.appendAudit(events) }
    func auditEvents(matching filter: AuditFilter, limit: Int, beforeID: Int64?) async throws -> [AuditEvent] {
        try await base.auditEvents(matching: filter, limit: limit, beforeID: beforeID)
    }
    func auditEvents(allocationID: String) async throws -> [AuditEvent] {
        try await base.auditEvents(allocationID: allocationID)
    }

    func appendEvents(_ events: [LifecycleEvent]) async throws { try await base.appendEvents(events) }
    func lifecycleEvents(matching filter: LifecycleEventFilter, limit: Int, beforeID: Int64?) async throws
        -> [LifecycleEvent]
    {
        try await base.lifecycleEvents(matching: filter, limit: limit, beforeID: beforeID)
    }
    func lifecycleEvents(allocationID: String) async throws -> [LifecycleEvent] {
        try await base.lifecycleEvents(allocationID: allocationID)
    }
    func upsertUser(id: String, forgeID: String?, now: Date) async throws -> UserRecord {
        try await base.upsertUser(id: id, forgeID: forgeID, now: now)
    }
    func user(id: String) async throws -> UserRecord? { try await base.user(id: id) }

    func claimResource(namespace: String, resource: String, allocationID: String, now: Date) async throws
        -> ClaimOutcome
    {
        try await base.claimResource(namespace: namespace, resource: resource, allocationID: allocationID, now: now)
    }
    func claimResource(namespace: String, resource: String, allocationID: String, attempt: Int, now: Date)
        async throws -> ClaimOutcome?
    {
        try await base.claimResource(
            namespace: namespace, resource: resource, allocationID: allocationID, attempt: attempt, now: now)
    }
    func resourceClaim(namespace: String, allocationID: String) async throws -> ResourceClaim? {
        try await base.resourceClaim(namespace: namespace, allocationID: allocationID)
    }
    func resourceClaim(namespace: String, resource: String) async throws -> ResourceClaim? {
        try await base.resourceClaim(namespace: namespace, resource: resource)
    }
    func setClaimState(
        namespace: String, resource: String, allocationID: String, state: ClaimState, note: String?, now: Date,
        audit: [AuditEvent]
    ) async throws -> Bool {
        try await base.setClaimState(
            namespace: namespace, resource: resource, allocationID: allocationID, state: state, note: note, now: now,
            audit: audit)
    }
    func releaseClaim(namespace: String, resource: String, allocationID: String, audit: [AuditEvent]) async throws
        -> Bool
    {
        try await base.releaseClaim(namespace: namespace, resource: resource, allocationID: allocationID, audit: audit)
    }
    func resourceClaims(namespace: String) async throws -> [ResourceClaim] {
        try await base.resourceClaims(namespace: namespace)
    }

    func saveCatalog(namespace: String, payload: String, now: Date) async throws -> Int64 {
        try await base.saveCatalog(namespace: namespace, payload: payload, now: now)
    }
    func catalog(namespace: String) async throws -> StoredCatalog? { try await base.catalog(namespace: namespace) }
    func seedCatalog(namespace: String, payload: String, now: Date) async throws -> StoredCatalog {
        try await base.seedCatalog(namespace: namespace, payload: payload, now: now)
    }
    func catalogGeneration(namespace: String) async throws -> Int64? {
        try await base.catalogGeneration(namespace: namespace)
    }
    func writeCatalogParts(namespace: String, payloads: [String]) async throws -> [Int64] {
        try await base.writeCatalogParts(namespace: namespace, payloads: payloads)
    }
    func writeCatalogParts(namespace: String, bytes: [[UInt8]]) async throws -> [Int64] {
        try await base.writeCatalogParts(namespace: namespace, bytes: bytes)
    }
    func publishCatalog(namespace: String, parts: [Int64], seed: Bool, now: Date) async throws
        -> CatalogPublishOutcome
    {
        try await base.publishCatalog(namespace: namespace, parts: parts, seed: seed, now: now)
    }
    func catalogParts(namespace: String) async throws -> StoredCatalogParts? {
        try await base.catalogParts(namespace: namespace)
    }

    func admissionCounts(userID: String, plan: String, reservation: ReservationLimit?) async throws
        -> AdmissionCounts
    {
        try await base.admissionCounts(userID: userID, plan: plan, reservation: reservation)
    }
}
