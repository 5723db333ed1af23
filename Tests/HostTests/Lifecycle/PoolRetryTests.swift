import Foundation
import Host
import Logging
import PoolProvisioner
import ProvisionerAPI
import Testing

/// Failure 2 of the lifecycle issue: a retried order was handed the pool VM its failed attempt had
/// released into a reset (`cleaning`), which the reset then freed for a second customer.
@Suite(.timeLimit(.minutes(1)))
struct PoolRetryTests {
    static let logger = Logger(label: "test.pool-retry", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func aRetryAfterAFailedFinalizeGetsAnotherVMAndTheCleaningOneIsNeverHeldTwice() async throws {
        let sqlite = try SQLiteStore(path: ":memory:")
        try await sqlite.migrate()
        let store = FinalizeFailingStore(base: sqlite, times: 1)
        let ledger = StoreClaimLedger(store: sqlite, namespace: "pool")
        let pool = PoolAssignmentProvisioner(
            configuration: PoolAssignmentProvisionerConfiguration(reuse: .afterHook),
            vms: [PoolVM(id: "vm-a"), PoolVM(id: "vm-b")], ledger: ledger, catalogStore: nil)
        var configuration = HostConfiguration()
        configuration.limits.paymentWindowSeconds = 3600
        let metrics = ServiceMetrics()
        let orders = OrderService(
            store: store, backend: pool, configuration: configuration, signal: WorkSignal(), metrics: metrics)
        let provisioning = ProvisioningService(
            store: store, backend: pool, plans: configuration.plans, metrics: metrics,
            teardownBaseDelay: .milliseconds(1))

        let first = try await orders.createOrder(
            NewOrder(userID: "alice", plan: "trial"), idempotencyKey: nil, requestID: nil, logger: Self.logger
        ).record
        // The first attempt gets a VM, its result cannot be stored, and the VM goes to its reset.
        await #expect(throws: ProvisionerError.self) {
            try await provisioning.provision(first, logger: Self.logger)
        }
        let failed = try #require(try await sqlite.allocation(id: first.id))
        #expect(failed.state == .failed)
        #expect(failed.rollbackAvailable)
        let cleaning = try #require(try await ledger.claims().first { $0.state == .cleaning })
        #expect(cleaning.allocationID == first.id)

        // The retry must not be handed the VM being reset.
        let prepared = try await orders.prepareRetry(
            id: first.id, requestID: "r", leaseSeconds: 60, logger: Self.logger)
        let retried = try await provisioning.provision(prepared, logger: Self.logger)
        #expect(retried.state == .provisioned)
        let retriedVM = try #require(retried.vm?.backendRef)
        #expect(retriedVM != cleaning.resource)

        // The reset finishes (no deployer: it frees the VM at once) and a second customer orders.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.runBackgroundWork(logger: Self.logger) }
            while try await ledger.claim(on: cleaning.resource) != nil { await Task.yield() }
            group.cancelAll()
        }
        let second = try await orders.createOrder(
            NewOrder(userID: "bob", plan: "trial"), idempotencyKey: nil, requestID: nil, logger: Self.logger
        ).record
        let delivered = try await provisioning.provision(second, logger: Self.logger)
        #expect(delivered.state == .provisioned)

        // Every VM is held by at most one live allocation.
        let live = [try await sqlite.allocation(id: first.id), try await sqlite.allocation(id: second.id)]
            .compactMap { $0 }.filter { [.provisioned, .degraded].contains($0.state) }
        let held = live.compactMap { $0.vm?.backendRef }
        #expect(held.count == 2)
        #expect(Set(held).count == held.count, "\(held)")
        let assigned = try await ledger.claims().filter { $0.state == .assigned }
        #expect(Set(assigned.map(\.resource)) == Set(held))
        try await sqlite.close()
    }
}
