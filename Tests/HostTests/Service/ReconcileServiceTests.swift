import Foundation
import Host
import Logging
import ProvisionerAPI
import SimulatedProvisioner
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ReconcileServiceTests {
    private func reconcile(
        _ harness: ServiceHarness, backend: (any Provisioner)? = nil,
        configure: (inout ReconcileConfiguration) -> Void = { _ in },
        orphans: OrphanRegistry = OrphanRegistry(), metrics: ServiceMetrics = ServiceMetrics()
    ) -> ReconcileService {
        var configuration = ReconcileConfiguration()
        configure(&configuration)
        return ReconcileService(
            store: harness.store, provisioning: harness.provisioning, backend: backend ?? harness.backend,
            configuration: configuration, metrics: metrics, orphans: orphans, logger: harness.logger)
    }

    private func provisioned(_ harness: ServiceHarness, user: String = "user-1") async throws -> AllocationRecord {
        try await harness.provisioning.provision(try await harness.order(user: user), logger: harness.logger)
    }

    @Test func driftIsRecordedOnceAsStoppedRecoveredAndGone() async throws {
        try await ServiceHarness.with { harness in
            let record = try await provisioned(harness)
            let metrics = ServiceMetrics()
            let service = reconcile(harness, metrics: metrics)
            #expect(await service.runPass().events.isEmpty)
            harness.simulated.setFaults(.init(reportStopped: true))
            #expect(await service.runPass().events == ["vm_stopped": 1])
            #expect(await service.runPass().events.isEmpty)  // still stopped: no new event
            harness.simulated.setFaults(.init())
            #expect(await service.runPass().events == ["vm_recovered": 1])
            harness.simulated.setFaults(.init(reportGone: true))
            // The injected fault says gone but the VM is still listed: that is also an orphan now.
            #expect(await service.runPass().events == ["vm_gone": 1, "orphan_detected": 1])
            let after = try #require(try await harness.store.allocation(id: record.id))
            #expect(after.state == .failed)
            #expect(after.failureCode == "vm_gone")
            let kinds = try await harness.store.lifecycleEvents(allocationID: record.id).map(\.kind)
            #expect(kinds == ["vm_stopped", "vm_recovered", "vm_gone", "orphan_detected"])
            let text = metrics.render()
            #expect(text.contains(#"provisioner_lifecycle_events_total{kind="vm_gone"} 1"#))
            #expect(text.contains(#"provisioner_allocations{state="failed"} 1"#))
        }
    }

    @Test func oneFailingStatusCallNeverStopsThePass() async throws {
        try await ServiceHarness.with { harness in
            let first = try await provisioned(harness, user: "a")
            _ = try await provisioned(harness, user: "b")
            _ = try await provisioned(harness, user: "c")
            let backend = StatusFailingProvisioner(base: harness.simulated, failing: first.id)
            harness.simulated.setFaults(.init(reportStopped: true))
            let report = await reconcile(harness, backend: backend).runPass()
            #expect(report.checked == 3)
            #expect(report.failedCalls == 1)
            #expect(report.events == ["vm_stopped": 2])
        }
    }

    @Test func aHungAllocateFailsAtItsDeadlineAndIsTornDown() async throws {
        try await ServiceHarness.with(
            simulated: .init(provisionDelayMilliseconds: 0, faults: .init(hangAllocate: true))
        ) { harness in
            let provisioning = ProvisioningService(
                store: harness.store, backend: harness.backend, plans: harness.configuration.plans,
                metrics: ServiceMetrics(), teardownBaseDelay: .milliseconds(1),
                provisioningDeadline: .milliseconds(100))
            let after = try await provisioning.provision(try await harness.order(), logger: harness.logger)
            #expect(after.state == .failed)
            #expect(after.failureCode == "deadline_exceeded")
            #expect(after.rollbackAvailable)
            #expect(
                try await harness.store.lifecycleEvents(allocationID: after.id).map(\.kind) == ["deadline_exceeded"])
            #expect(harness.simulated.liveCount == 0)
        }
    }

    @Test func provisioningLeftByACrashPastItsDeadlineFailsAndWhatWasCreatedIsTornDown() async throws {
        try await ServiceHarness.with { harness in
            let order = try await harness.order()
            let entry = JournalEntry(
                allocationID: order.id, backend: "simulated", operation: .allocate, startedAt: Date())
            _ = try await harness.store.transition(
                id: order.id, from: [.paid], change: .state(.provisioning), journal: .begin(entry), audit: [])
            _ = try await harness.backend.allocate(
                AllocationRequest(allocationID: order.id, userID: "u", plan: PlanSpec(name: "trial", priceCents: 0)),
                logger: harness.logger)
            let service = reconcile(
                harness, configure: { $0.provisioningDeadlineSeconds = 60 }, metrics: harness.metrics)
            #expect(await service.runPass().events.isEmpty)  // within the deadline
            let report = await service.runPass(now: Date().addingTimeInterval(61))
            #expect(report.events == ["deadline_exceeded": 1])
            // Counted once, by the commit that wrote the event.
            #expect(
                harness.metrics.render().contains(#"provisioner_lifecycle_events_total{kind="deadline_exceeded"} 1"#))
            let after = try #require(try await harness.store.allocation(id: order.id))
            #expect(after.state == .failed)
            #expect(after.failureCode == "deadline_exceeded")
            #expect(harness.simulated.liveCount == 0)
            #expect(try await harness.store.unfinishedJournalEntries().isEmpty)
        }
    }

    @Test func aHungReleaseFailsAtItsDeadline() async throws {
        try await ServiceHarness.with { harness in
            let record = try await provisioned(harness)
            _ = try await harness.orders.requestRelease(id: record.id, requestID: nil, logger: harness.logger)
            let service = reconcile(harness) { $0.releasingDeadlineSeconds = 30 }
            let report = await service.runPass(now: Date().addingTimeInterval(31))
            #expect(report.events == ["deadline_exceeded": 1])
            let after = try #require(try await harness.store.allocation(id: record.id))
            #expect(after.state == .failed)
            #expect(after.failureCode == "deadline_exceeded")
            // The teardown released the VM.
            #expect(harness.simulated.liveCount == 0)
        }
    }

    @Test func aResourceTaggedAsOursWithNoActiveAllocationIsReportedOnceAndKept() async throws {
        try await ServiceHarness.with { harness in
            let kept = try await provisioned(harness)
            // A VM whose allocation the store does not know (a leak from elsewhere).
            _ = try await harness.backend.allocate(
                AllocationRequest(
                    allocationID: "vm-unknown", userID: "u", plan: PlanSpec(name: "trial", priceCents: 0)),
                logger: harness.logger)
            let orphans = OrphanRegistry()
            let service = reconcile(harness, orphans: orphans)
            #expect(await service.runPass().events == ["orphan_detected": 1])
            #expect(await service.runPass().events.isEmpty)
            #expect(orphans.current.map(\.item.allocationID) == ["vm-unknown"])
            #expect(harness.simulated.liveAllocationIDs == [kept.id, "vm-unknown"])  // never deleted
        }
    }
}

/// Forwards to a backend but fails `status` for one allocation.
struct StatusFailingProvisioner: Provisioner {
    let base: any Provisioner
    let failing: String
    var name: String { base.name }
    var isDemo: Bool { base.isDemo }
    func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
        try await base.allocate(request, logger: logger)
    }
    func release(_ allocation: VmAllocation, logger: Logger) async throws {
        try await base.release(allocation, logger: logger)
    }
    func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus {
        if allocation.allocationID == failing { throw ProvisionerError.backendUnavailable("injected status failure") }
        return try await base.status(allocation, logger: logger)
    }
}
