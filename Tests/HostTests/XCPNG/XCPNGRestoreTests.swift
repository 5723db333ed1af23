import FakeXAPI
import Foundation
import HTTPTypes
import Host
import HummingbirdTesting
import ProvisionerAPI
import Testing
import XCPNGProvisioner

@Suite(.timeLimit(.minutes(2)))
struct XCPNGRestoreTests {
    /// Within the grace a restore makes a new allocation adopting the kept VM; after it, 409; then
    /// reconcile destroys the VM with its disks, journaled.
    @Test func aReleasedVMIsRestoredWithinTheGraceAndDestroyedAfterIt() async throws {
        try await XCPNGHost.run(backend: { $0.onRelease = .haltThenDestroy(graceSeconds: 6) }) {
            host, client, fake, backend in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id": "alice", "plan": "trial", "hostname": "web.example.test"}"#,
                headers: host.serviceAuth)
            #expect(created.status == .accepted)
            let old = try #require(try created.json()["vm_id"] as? String)
            _ = try await client.waitForState(old, in: ["provisioned"])
            let oldView = try await client.execute(uri: "/v1/vm/\(old)", method: .get, headers: host.serviceAuth).json()
            let backendRef = try #require(oldView["backend_ref"] as? String)

            // Only a released VM can be restored.
            let early = try await client.execute(
                uri: "/admin/vm/\(old)/restore", method: .post, headers: host.adminAuth)
            #expect(early.status == .conflict)
            #expect(try early.errorCode() == "state_conflict")
            #expect(
                try await client.execute(uri: "/admin/vm/nope/restore", method: .post, headers: host.adminAuth).status
                    == .notFound)
            let wrongSecret = try await client.execute(
                uri: "/admin/vm/\(old)/restore", method: .post, headers: host.serviceAuth)
            #expect([.unauthorized, .forbidden].contains(wrongSecret.status))

            #expect(
                try await client.execute(uri: "/v1/vm/\(old)", method: .delete, headers: host.serviceAuth).status.code
                    < 300)
            _ = try await client.waitForState(old, in: ["released"])
            #expect(fake.snapshot().vms.first?.powerState == "Halted")

            let restored = try await client.execute(
                uri: "/admin/vm/\(old)/restore", method: .post, headers: host.adminAuth)
            #expect(restored.status == .created)
            let new = try #require(try restored.json()["vm_id"] as? String)
            #expect(new != old)
            #expect(restored.headers[.location] == "/v1/vm/\(new)")
            let again = try await client.execute(
                uri: "/admin/vm/\(old)/restore", method: .post, headers: host.adminAuth)
            #expect(again.status == .ok)
            #expect(try again.json()["vm_id"] as? String == new)

            _ = try await client.waitForState(new, in: ["provisioned"])
            let view = try await client.execute(uri: "/v1/vm/\(new)", method: .get, headers: host.serviceAuth).json()
            #expect(view["restored_from"] as? String == old)
            #expect(view["user_id"] as? String == "alice")
            #expect(view["backend_ref"] as? String == backendRef)
            #expect(view["hostname"] as? String == "web.example.test")
            let events = try await host.dependencies.store.lifecycleEvents(allocationID: new).map(\.kind)
            #expect(events.contains("vm_restored"))
            let audit = try await host.dependencies.store.auditEvents(allocationID: new).map(\.kind)
            #expect(audit.contains("provision.succeeded"))  // the launch path, checks included, ran again

            // Released again, kept again; after the grace no restore, and reconcile destroys it.
            #expect(
                try await client.execute(uri: "/v1/vm/\(new)", method: .delete, headers: host.serviceAuth).status.code
                    < 300)
            _ = try await client.waitForState(new, in: ["released"])
            let kept = try #require(try await backend.retainedReleases(logger: XCPNGHost.quiet).first)
            #expect(kept.allocationID == new)
            while Date() < kept.destroyAfter { try await Task.sleep(for: .milliseconds(100)) }
            let late = try await client.execute(uri: "/admin/vm/\(new)/restore", method: .post, headers: host.adminAuth)
            #expect(late.status == .conflict)
            #expect(try late.errorCode() == "state_conflict")
            #expect(fake.snapshot().vms.count == 1)

            let reconcile = ReconcileService(
                store: host.dependencies.store, provisioning: host.dependencies.provisioning,
                backend: host.dependencies.backend, configuration: host.dependencies.configuration.reconcile,
                metrics: host.dependencies.metrics, orphans: host.dependencies.orphans, logger: XCPNGHost.quiet)
            let pass = await reconcile.runPass()
            #expect(pass.events["grace_expired"] == 1)
            #expect(fake.snapshot().vms.isEmpty)
            #expect(fake.snapshot().vdis.isEmpty)
            let journal = try await host.dependencies.store.journalEntries(allocationID: new)
            let purge = try #require(journal.first { $0.operation == .teardown })
            #expect(purge.outcome == "succeeded")
            #expect(journal.allSatisfy { !$0.isOpen })
            let teardownAudit = try await host.dependencies.store.auditEvents(allocationID: new)
                .filter { $0.kind == "teardown.started" }.compactMap(\.detail)
            #expect(teardownAudit == ["attempt=all reason=grace_expired"])
            #expect(
                try await host.dependencies.store.lifecycleEvents(allocationID: new).map(\.kind).contains(
                    "grace_expired"))
            // A second pass finds nothing more to do.
            #expect(await reconcile.runPass().events["grace_expired"] == nil)
            let record = try #require(try await host.dependencies.store.allocation(id: new))
            #expect(record.state == .released)
            #expect(record.leaseOwner == nil)
        }
    }
}
