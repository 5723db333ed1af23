import Foundation
import Host
import Logging
import PoolProvisioner
import ProvisionerAPI
import ServiceLifecycle
import SimulatedProvisioner
import Testing

/// DESIGN.md section 8, "Commits": create -> provisioned costs at most 3 durable commits and a
/// release at most 2, counted by the store itself (``CommitCounting``) around one cycle of the
/// real services with a running worker, on every backend. The pool backend's ledger write that
/// frees its VM rides in the release's last commit (``ReleasePreparing``); a paid order's payment
/// commit also claims it for the worker and begins its first attempt.
struct CommitBudgetTests {
    static let logger = Logger(label: "test.commits", factory: { _ in SwiftLogNoOpLogHandler() })

    enum Backend: String, Sendable, CaseIterable, CustomStringConvertible {
        case simulated, pool
        var description: String { rawValue }
    }

    struct Cycle: Sendable {
        /// A paid order only: the order, committed `payment_required`.
        var order: StoreCommitCounts?
        /// create -> provisioned (a paid order: pay -> provisioned).
        var create: StoreCommitCounts
        var release: StoreCommitCounts
        /// The backend's claims left after the release (the pool's ledger).
        var claimsAfterRelease: [ResourceClaim]
    }

    /// The budgets, per backend: the pool's create pays its own ledger claim (the order with its
    /// claim and first attempt, the pool's claim, the finalize); the simulated backend claims
    /// nothing. A release is the request (claimed and begun) and the finalize, the pool's ledger
    /// write included.
    static func createBudget(_ backend: Backend) -> Int { backend == .pool ? 3 : 2 }
    static let releaseBudget = 2

    @Test(.timeLimit(.minutes(1)), arguments: [StoreKind.disk, .postgres], Backend.allCases)
    func aCycleStaysWithinItsCommitBudget(kind: StoreKind, backend: Backend) async throws {
        let cycle = try await withStore(kind) { store in
            try await Self.cycle(store: store, backend: backend)
        }
        #expect(cycle.create.transactions <= Self.createBudget(backend), "create -> provisioned: \(cycle.create)")
        #expect(cycle.create.transactions >= 2, "create -> provisioned: \(cycle.create)")
        #expect(cycle.release.transactions <= Self.releaseBudget, "release: \(cycle.release)")
        #expect(cycle.release.transactions >= 2, "release: \(cycle.release)")
        // The release freed the pool's VM, in the release's commits.
        #expect(cycle.claimsAfterRelease.isEmpty, "claims left: \(cycle.claimsAfterRelease)")
    }

    /// A paid order: the order is one commit; the payment commit also claims the order for the
    /// worker and begins its first attempt (`payment_required` -> `paid` -> `provisioning`, two
    /// legal moves in one commit), so pay -> provisioned costs what a free order's create does.
    @Test(.timeLimit(.minutes(1)), arguments: [StoreKind.disk, .postgres], Backend.allCases)
    func aPaidCycleStaysWithinItsCommitBudget(kind: StoreKind, backend: Backend) async throws {
        let cycle = try await withStore(kind) { store in
            try await Self.cycle(store: store, backend: backend, plan: "small")
        }
        #expect(cycle.order?.transactions == 1, "order: \(String(describing: cycle.order))")
        #expect(cycle.create.transactions <= Self.createBudget(backend), "pay -> provisioned: \(cycle.create)")
        #expect(cycle.create.transactions >= 2, "pay -> provisioned: \(cycle.create)")
        #expect(cycle.release.transactions <= Self.releaseBudget, "release: \(cycle.release)")
        #expect(cycle.claimsAfterRelease.isEmpty, "claims left: \(cycle.claimsAfterRelease)")
    }

    @Test(.timeLimit(.minutes(1)))
    func thePaymentCommitRecordsBothMovesAndStartsTheAttempt() async throws {
        try await withStore(.memory) { store in
            _ = try await Self.cycle(store: store, backend: .simulated, plan: "small")
            let id = try #require(try await store.allocations(userID: "u-1").first?.id)
            let kinds = try await store.auditEvents(
                matching: AuditFilter(allocationID: id), limit: 100, beforeID: nil
            ).map(\.kind)
            // Both moves of the payment commit are audited, and the attempt began with it.
            #expect(kinds.contains("payment.recorded"), "\(kinds)")
            #expect(kinds.contains("provision.started"), "\(kinds)")
            let entries = try await store.journalEntries(allocationID: id)
            #expect(entries.count(where: { $0.operation == .allocate }) == 1, "\(entries)")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func thePoolsReleaseIsAuditedInTheReleasesCommit() async throws {
        try await withStore(.memory) { store in
            _ = try await Self.cycle(store: store, backend: .pool)
            let id = try #require(try await store.allocations(userID: "u-1").first?.id)
            let kinds = try await store.auditEvents(
                matching: AuditFilter(allocationID: id), limit: 100, beforeID: nil
            ).map(\.kind)
            // The ledger's event, written by the release's last commit.
            #expect(kinds.contains("pool.vm_freed"), "\(kinds)")
            #expect(try await store.journalEntries(allocationID: id).allSatisfy { !$0.isOpen })
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func withoutARunningWorkerTheOrderIsLeftForTheStoreClaim() async throws {
        // No worker opened the hand-offs: the order commits unclaimed, as before.
        try await withStore(.memory) { store in
            let signal = WorkSignal()
            let orders = OrderService(
                store: store, backend: SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0)),
                configuration: HostConfiguration(), signal: signal, metrics: ServiceMetrics())
            let created = try await orders.createOrder(
                NewOrder(userID: "u-1", plan: "trial"), idempotencyKey: nil, requestID: nil, logger: Self.logger
            ).record
            #expect(created.state == .paid)
            #expect(created.leaseOwner == nil)
            #expect(try await store.journalEntries(allocationID: created.id).isEmpty)
            #expect(signal.handOffs.reserve() == nil)
        }
    }

    /// One create -> provisioned -> release cycle through the order service and a running worker;
    /// the commits each half cost.
    static func cycle(store: any Store, backend kind: Backend, plan: String = "trial") async throws -> Cycle {
        guard let counting = store as? any CommitCounting else { throw CommitTestError("the store counts no commits") }
        var configuration = HostConfiguration()
        // No poll and no renewal during the cycle: only the cycle's own commits are counted.
        configuration.worker.pollIntervalMilliseconds = 60_000
        let backend: any Provisioner =
            switch kind {
            case .simulated: SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0))
            case .pool:
                PoolAssignmentProvisioner(
                    configuration: .init(reuse: .immediate), vms: (0..<4).map { PoolVM(id: "vm-\($0)") },
                    ledger: StoreClaimLedger(store: store, namespace: "pool"), catalogStore: nil)
            }
        let signal = WorkSignal()
        let metrics = ServiceMetrics()
        let orders = OrderService(
            store: store, backend: backend, configuration: configuration, signal: signal, metrics: metrics)
        let provisioning = ProvisioningService(
            store: store, backend: backend, plans: configuration.plans, metrics: metrics)
        let worker = ProvisioningWorker(
            store: store, provisioning: provisioning, configuration: configuration.worker, signal: signal,
            logger: logger, owner: "node/worker-commits")
        let group = ServiceGroup(
            services: [worker], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            // The worker accepts hand-offs once its first look in the store is behind it.
            try await poll("the worker to start") {
                guard let owner = signal.handOffs.reserve() else { return false }
                signal.handOffs.cancel()
                return !owner.isEmpty
            }
            var start = counting.commitCounts
            let created = try await orders.createOrder(
                NewOrder(userID: "u-1", plan: plan), idempotencyKey: nil, requestID: nil, logger: logger
            ).record
            var order: StoreCommitCounts?
            if created.state == .paymentRequired {
                let ordered = counting.commitCounts
                order = ordered.since(start)
                start = ordered
                _ = try await orders.recordPayment(
                    id: created.id, status: "paid", reference: "ref-1", requestID: nil, logger: logger)
            }
            try await poll("provisioned") { try await store.allocation(id: created.id)?.state == .provisioned }
            let provisioned = counting.commitCounts
            _ = try await orders.requestRelease(id: created.id, requestID: nil, logger: logger)
            try await poll("released") { try await store.allocation(id: created.id)?.state == .released }
            let released = counting.commitCounts
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return Cycle(
                order: order, create: provisioned.since(start), release: released.since(provisioned),
                claimsAfterRelease: try await store.resourceClaims(namespace: "pool"))
        }
    }

    /// Polls `condition` until it holds, or throws after 20 s.
    static func poll(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw CommitTestError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

struct CommitTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
