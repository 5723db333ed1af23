import Foundation
import Host
import Logging
import ProvisionerAPI
import SimulatedProvisioner
import Testing

/// Start-up recovery over states a crash leaves behind, built with the store and backend as they
/// would be after `kill -9` at each point.
@Suite(.timeLimit(.minutes(1)))
struct RecoveryTests {
    private func recovery(_ harness: ServiceHarness, nodeID: String = "node-a") -> Recovery {
        Recovery(
            store: harness.store, backend: harness.backend, provisioning: harness.provisioning, nodeID: nodeID,
            metrics: ServiceMetrics())
    }

    /// Moves an order to `provisioning` with an open journal entry, as the worker does right before
    /// calling the backend; optionally the backend call happened too.
    private func crashMidProvision(
        _ harness: ServiceHarness, backendWasCalled: Bool, leaseOwner: String? = nil, leaseFor: TimeInterval = 300
    ) async throws -> AllocationRecord {
        let order = try await harness.order()
        var begin = AllocationChange.state(.provisioning)
        begin.incrementAttempts = true
        if let leaseOwner { begin.lease = .set(owner: leaseOwner, expiresAt: Date().addingTimeInterval(leaseFor)) }
        let entry = JournalEntry(allocationID: order.id, backend: "simulated", operation: .allocate, startedAt: Date())
        _ = try await harness.store.transition(
            id: order.id, from: [.paid], change: begin, journal: .begin(entry), audit: [])
        if backendWasCalled {
            _ = try await harness.backend.allocate(
                AllocationRequest(
                    allocationID: order.id, userID: order.userID, plan: PlanSpec(name: "trial", priceCents: 0)),
                logger: harness.logger)
        }
        return order
    }

    /// The interrupted attempt is rolled back (journaled) and a new attempt provisions the order:
    /// never a half-made VM adopted, never two VMs.
    @Test func aVMCreatedBeforeTheCrashIsRolledBackAndMadeAnewNeverTwice() async throws {
        try await ServiceHarness.with { harness in
            let order = try await crashMidProvision(harness, backendWasCalled: true)
            let createdBefore = try #require(harness.simulated.liveAllocationIDs.first)
            let report = try await recovery(harness).recover(logger: harness.logger)
            #expect(report.provisioningFinished == 1)
            let after = try #require(try await harness.store.allocation(id: order.id))
            #expect(after.state == .provisioned)
            #expect(harness.simulated.liveCount == 1)
            #expect(harness.simulated.liveAllocationIDs == [createdBefore])
            #expect(try await harness.store.unfinishedJournalEntries().isEmpty)
            let events = try await harness.store.lifecycleEvents(allocationID: order.id)
            #expect(events.map(\.kind) == ["attempt_superseded", "recovered"])
            #expect(events.last?.detail?.contains("backend had: running") == true)
            let journal = try await harness.store.journalEntries(allocationID: order.id)
            #expect(journal.map(\.operation) == [.allocate, .teardown, .allocate])
            #expect(journal.map(\.outcome) == ["superseded", "succeeded", "succeeded"])
            // Idempotent: a second run has nothing to do.
            #expect(try await recovery(harness).recover(logger: harness.logger) == Recovery.Report())
        }
    }

    @Test func aProvisionTheBackendNeverSawIsFinished() async throws {
        try await ServiceHarness.with { harness in
            let order = try await crashMidProvision(harness, backendWasCalled: false)
            _ = try await recovery(harness).recover(logger: harness.logger)
            #expect(try await harness.store.allocation(id: order.id)?.state == .provisioned)
            #expect(harness.simulated.liveCount == 1)
            let events = try await harness.store.lifecycleEvents(allocationID: order.id)
            #expect(events.last?.detail?.contains("backend had: gone") == true)
        }
    }

    @Test func anInterruptedReleaseIsFinished() async throws {
        try await ServiceHarness.with { harness in
            let order = try await harness.order()
            let provisioned = try await harness.provisioning.provision(order, logger: harness.logger)
            _ = try await harness.orders.requestRelease(id: provisioned.id, requestID: nil, logger: harness.logger)
            let releasing = try #require(try await harness.store.allocation(id: order.id))
            #expect(releasing.state == .releasing)
            let entry = JournalEntry(
                allocationID: order.id, backend: "simulated", operation: .release, startedAt: Date())
            _ = try await harness.store.transition(
                id: order.id, from: [.releasing], change: AllocationChange(), journal: .begin(entry), audit: [])
            let report = try await recovery(harness).recover(logger: harness.logger)
            #expect(report.releasesFinished == 1)
            #expect(try await harness.store.allocation(id: order.id)?.state == .released)
            #expect(harness.simulated.liveCount == 0)
            #expect(try await harness.store.unfinishedJournalEntries().isEmpty)
        }
    }

    @Test func aLeftoverOfAFailedAllocationIsRolledBack() async throws {
        try await ServiceHarness.with { harness in
            let order = try await crashMidProvision(harness, backendWasCalled: true)
            var failed = AllocationChange.state(.failed)
            failed.failureCode = "backend_unavailable"
            _ = try await harness.store.transition(
                id: order.id, from: [.provisioning], change: failed, journal: nil, audit: [])
            #expect(harness.simulated.liveCount == 1)
            let report = try await recovery(harness).recover(logger: harness.logger)
            #expect(report.rolledBack == 1)
            #expect(harness.simulated.liveCount == 0)
            #expect(try await harness.store.unfinishedJournalEntries().isEmpty)
        }
    }

    @Test func workLeasedByAnotherLiveReplicaIsLeftAlone() async throws {
        try await ServiceHarness.with { harness in
            let order = try await crashMidProvision(harness, backendWasCalled: false, leaseOwner: "node-b/worker-1")
            let report = try await recovery(harness, nodeID: "node-a").recover(logger: harness.logger)
            #expect(report.leftToOtherReplicas == 1)
            #expect(report.leasesTakenBack == 0)
            #expect(try await harness.store.allocation(id: order.id)?.state == .provisioning)
            #expect(harness.simulated.liveCount == 0)
        }
    }

    @Test func leasesThisNodeHeldBeforeItRestartedAreTakenBack() async throws {
        try await ServiceHarness.with { harness in
            let order = try await crashMidProvision(harness, backendWasCalled: true, leaseOwner: "node-a/worker-old")
            let report = try await recovery(harness, nodeID: "node-a").recover(logger: harness.logger)
            #expect(report.leasesTakenBack == 1)
            #expect(report.provisioningFinished == 1)
            #expect(try await harness.store.allocation(id: order.id)?.state == .provisioned)
        }
    }
}
