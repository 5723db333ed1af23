import Foundation
import HTTPTypes
import Host
import HummingbirdTesting
import Logging
import ProvisionerAPI
import SimulatedProvisioner
import Testing

/// `reconcile.converge: true`: reconcile asks the gate like an operator; the benign runs, the
/// destructive waits for a signature.
@Suite(.timeLimit(.minutes(1)))
struct ReconcileConvergeTests {
    private func reconcile(_ dependencies: HostDependencies, converge: Bool) -> ReconcileService {
        ReconcileService(
            store: dependencies.store, provisioning: dependencies.provisioning, backend: dependencies.backend,
            configuration: dependencies.configuration.reconcile, metrics: dependencies.metrics,
            orphans: dependencies.orphans, logger: dependencies.logger, gate: converge ? dependencies.gate : nil)
    }

    private func deliveredVM(_ client: any TestClientProtocol) async throws -> String {
        let created = try await client.post(
            "/v1/vm", json: #"{"user_id":"u1","plan":"trial"}"#,
            headers: [.authorization: "Bearer \(TestHost.serviceToken)"])
        let id = try #require(try created.json()["vm_id"] as? String)
        _ = try await client.waitForState(id, in: ["provisioned", "degraded"])
        return id
    }

    @Test func aDeliveredVMFoundStoppedIsStartedAgainJournaledWithVMRestarted() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try GateFixture.make(in: directory)
            try await fixture.run(converge: true) { dependencies, client in
                let id = try await deliveredVM(client)
                fixture.backend.stop(allocationID: id)
                let report = await reconcile(dependencies, converge: true).runPass()
                #expect(report.events["vm_stopped"] == 1)
                #expect(report.events["vm_restarted"] == 1)
                let status = try await fixture.backend.status(
                    .init(allocationID: id, backend: "simulated"), logger: Logger(label: "t"))
                #expect(status.powerState == .running)
                let events = try await dependencies.store.lifecycleEvents(allocationID: id).map(\.kind)
                #expect(events.contains("vm_restarted"))
                // Journaled: the restart is a gate op that ran, benign, asked by reconcile.
                let ops = try await dependencies.store.operatorOps(limit: 10)
                #expect(ops.map(\.op) == ["restart_vm"])
                #expect(ops.first?.state == .done)
                #expect(ops.first?.opClass == .benign)
                #expect(ops.first?.requestedBy == "reconcile")
                let allowed = try await dependencies.store.auditEvents(allocationID: id).map(\.kind)
                #expect(allowed.contains("gate.allowed"))
                #expect(allowed.contains("gate.done"))
            }
        }
    }

    @Test func withoutConvergeAStoppedVMIsOnlyReported() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try GateFixture.make(in: directory)
            try await fixture.run { dependencies, client in
                let id = try await deliveredVM(client)
                fixture.backend.stop(allocationID: id)
                let report = await reconcile(dependencies, converge: false).runPass()
                #expect(report.events["vm_stopped"] == 1)
                #expect(report.events["vm_restarted"] == nil)
                #expect(try await dependencies.store.operatorOps(limit: 10).isEmpty)
            }
        }
    }

    @Test func aDestructiveActionReconcilePlansWaitsForASignature() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try GateFixture.make(in: directory)
            let ref = try await fixture.strayVM("stray-1")
            try await fixture.run(converge: true) { dependencies, _ in
                let service = reconcile(dependencies, converge: true)
                let report = await service.runPass()
                #expect(report.events["orphan_detected"] == 1)
                #expect(report.events["gate.pending_signature"] == 1)
                // Nothing was purged: the VM may hold data, so the gate keeps it pending.
                #expect(fixture.backend.liveAllocationIDs.contains("stray-1"))
                let ops = try await dependencies.store.operatorOps(limit: 10)
                #expect(ops.count == 1)
                #expect(ops.first?.op == "purge_orphan")
                #expect(ops.first?.target == ref)
                #expect(ops.first?.state == .pendingSignature)
                #expect(ops.first?.requestedBy == "reconcile")
                // The next pass asks again and finds the same op waiting: no second one.
                _ = await service.runPass()
                #expect(try await dependencies.store.operatorOps(limit: 10).count == 1)
            }
        }
    }
}
