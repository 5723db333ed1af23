import Foundation
import Host
import Logging
import ProvisionerAPI
import SimulatedProvisioner
import Testing

/// Failure 4 of the lifecycle issue: rollback teardowns were closed before they ran and never
/// retried, so a crash during one, or a teardown that failed, leaked the VM for good.
@Suite(.timeLimit(.minutes(1)))
struct RollbackTests {
    private func reconcile(_ harness: ServiceHarness) -> ReconcileService {
        ReconcileService(
            store: harness.store, provisioning: harness.provisioning, backend: harness.backend,
            configuration: ReconcileConfiguration(), metrics: ServiceMetrics(), orphans: OrphanRegistry(),
            logger: harness.logger)
    }

    @Test func aFailedTeardownStaysPendingUntilReconcileFinishesIt() async throws {
        let faults = SimulatedFaults(leaveLeftover: true, failRelease: true)
        try await ServiceHarness.with(simulated: .init(provisionDelayMilliseconds: 0, faults: faults)) { harness in
            let order = try await harness.order(plan: "trial")
            let failed = try await harness.provisioning.provision(order, logger: harness.logger)
            #expect(failed.state == .failed)
            #expect(failed.teardownPending)
            #expect(!failed.rollbackAvailable)
            #expect(harness.simulated.liveCount == 1)  // the leftover is still there...
            let open = try await harness.store.unfinishedJournalEntries()
            #expect(open.map(\.operation) == [.teardown])  // ...and its teardown is still open
            // Not retryable while something may be left.
            await #expect(throws: ProvisionerError.self) {
                try await harness.orders.prepareRetry(
                    id: order.id, requestID: nil, leaseSeconds: 60, logger: harness.logger)
            }

            // The backend recovers; once the backoff has passed, reconcile finishes the teardown.
            harness.simulated.setFaults(SimulatedFaults())
            let service = reconcile(harness)
            _ = await service.runPass()  // still backing off: nothing happens yet
            #expect(try await harness.store.allocation(id: order.id)?.teardownPending == true)
            _ = await service.runPass(now: Date().addingTimeInterval(3600))
            let after = try #require(try await harness.store.allocation(id: order.id))
            #expect(!after.teardownPending)
            #expect(after.rollbackAvailable)
            #expect(after.state == .failed)
            #expect(harness.simulated.liveCount == 0)
            #expect(try await harness.store.unfinishedJournalEntries().isEmpty)
            let kinds = try await harness.store.lifecycleEvents(allocationID: order.id).map(\.kind)
            #expect(kinds.contains("teardown_pending"))
            #expect(kinds.contains("teardown_finished"))
            // And now the launch can be retried.
            let prepared = try await harness.orders.prepareRetry(
                id: order.id, requestID: nil, leaseSeconds: 60, logger: harness.logger)
            #expect(try await harness.provisioning.provision(prepared, logger: harness.logger).state == .provisioned)
        }
    }

    @Test func aCrashDuringARollbackIsFinishedByRecovery() async throws {
        try await ServiceHarness.with { harness in
            // The worker claims the order, begins an attempt and the backend creates the VM...
            let order = try await harness.order(plan: "trial")
            let claimed = try #require(
                try await harness.store.claimWork(
                    owner: "node-a/worker", now: Date(), leaseUntil: Date().addingTimeInterval(-1), limit: 1
                ).first)
            let committer = LifecycleCommitter(store: harness.store, metrics: ServiceMetrics())
            let begin = try AllocationLifecycle.decide(
                claimed, .workClaimed(open: []), context: AllocationLifecycle.Context(actor: "provisioner"))
            let started = try await committer.commit(begin, on: claimed, logger: harness.logger)
            guard case .callAllocate(let entry) = begin.effect else {
                Issue.record("expected an attempt, got \(begin.effect)")
                return
            }
            _ = try await harness.simulated.allocate(
                AllocationRequest(
                    allocationID: order.id, userID: order.userID, plan: PlanSpec(name: "trial", priceCents: 0),
                    attempt: entry.attempt), logger: harness.logger)
            // ...then it fails, the rollback is journaled, and the process is killed before it runs.
            let failing = try AllocationLifecycle.decide(
                started, .allocateFailed(.backendUnavailable("injected"), entry: entry),
                context: AllocationLifecycle.Context(actor: "provisioner"))
            _ = try await committer.commit(failing, on: started, logger: harness.logger)
            #expect(harness.simulated.liveCount == 1)
            #expect(try await harness.store.unfinishedJournalEntries().map(\.operation) == [.teardown])

            // Restart: recovery finishes the rollback.
            let recovery = Recovery(
                store: harness.store, backend: harness.backend, provisioning: harness.provisioning,
                nodeID: "node-a", metrics: ServiceMetrics())
            _ = try await recovery.recover(logger: harness.logger)
            let after = try #require(try await harness.store.allocation(id: order.id))
            #expect(after.state == .rolledBack)
            #expect(after.rollbackAvailable)
            #expect(!after.teardownPending)
            #expect(harness.simulated.liveCount == 0)
            #expect(try await harness.store.unfinishedJournalEntries().isEmpty)
        }
    }
}
