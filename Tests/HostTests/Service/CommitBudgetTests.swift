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
/// real services with a running worker. The pool backend's own ledger write (freeing its VM)
/// comes on top of the release's two.
struct CommitBudgetTests {
    static let logger = Logger(label: "test.commits", factory: { _ in SwiftLogNoOpLogHandler() })

    enum Backend: String, Sendable, CaseIterable, CustomStringConvertible {
        case simulated, pool
        var description: String { rawValue }
    }

    struct Cycle: Sendable {
        var create: StoreCommitCounts
        var release: StoreCommitCounts
    }

    @Test(.timeLimit(.minutes(1)), arguments: [StoreKind.disk, .postgres], Backend.allCases)
    func aCycleStaysWithinItsCommitBudget(kind: StoreKind, backend: Backend) async throws {
        let cycle = try await withStore(kind) { store in
            try await Self.cycle(store: store, backend: backend)
        }
        #expect(cycle.create.transactions <= 3, "create -> provisioned: \(cycle.create)")
        #expect(cycle.create.transactions >= 2, "create -> provisioned: \(cycle.create)")
        let releaseBudget = backend == .pool ? 3 : 2
        #expect(cycle.release.transactions <= releaseBudget, "release: \(cycle.release)")
        #expect(cycle.release.transactions >= 2, "release: \(cycle.release)")
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
    static func cycle(store: any Store, backend kind: Backend) async throws -> Cycle {
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
            let start = counting.commitCounts
            let created = try await orders.createOrder(
                NewOrder(userID: "u-1", plan: "trial"), idempotencyKey: nil, requestID: nil, logger: logger
            ).record
            try await poll("provisioned") { try await store.allocation(id: created.id)?.state == .provisioned }
            let provisioned = counting.commitCounts
            _ = try await orders.requestRelease(id: created.id, requestID: nil, logger: logger)
            try await poll("released") { try await store.allocation(id: created.id)?.state == .released }
            let released = counting.commitCounts
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return Cycle(create: provisioned.since(start), release: released.since(provisioned))
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
