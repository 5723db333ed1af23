import Foundation
import Host
import Hummingbird
import HummingbirdTesting
import ProvisionerAPI
import SimulatedProvisioner
import Testing

@Suite(.timeLimit(.minutes(1)))
struct EventRoutesTests {
    @Test func eventsNeedTheAdminSecret() async throws {
        try await TestHost.run { host, client in
            for uri in ["/admin/events.json", "/admin/events", "/admin/orphans.json", "/admin/orphans"] {
                let none = try await client.execute(uri: uri, method: .get)
                #expect(none.status == .unauthorized)
                #expect(try none.errorCode() == "unauthorized")
                let service = try await client.execute(uri: uri, method: .get, headers: host.serviceAuth)
                #expect(service.status == .forbidden)
                #expect(try service.errorCode() == "forbidden")
            }
        }
    }

    @Test func eventsAreFilteredPaginatedAndListedOnTheirVM() async throws {
        try await TestHost.run { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"u","plan":"trial"}"#, headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            _ = try await client.waitForState(id, in: ["provisioned"])
            let store = host.dependencies.store
            try await store.appendEvents([
                LifecycleEvent(
                    at: Date(), kind: "vm_stopped", allocationID: id, backend: "simulated", detail: "<b>x</b>"),
                LifecycleEvent(at: Date(), kind: "vm_recovered", allocationID: id, backend: "simulated"),
                LifecycleEvent(at: Date(), kind: "orphan_detected", allocationID: nil, backend: "simulated"),
            ])
            let page = try await client.execute(
                uri: "/admin/events.json?limit=2", method: .get, headers: host.adminAuth)
            let first = try page.json()
            let events = try #require(first["events"] as? [[String: Any]])
            #expect(events.map { $0["kind"] as? String } == ["orphan_detected", "vm_recovered"])
            let before = try #require(first["next_before"] as? Int)
            let rest = try await client.execute(
                uri: "/admin/events.json?limit=2&before=\(before)", method: .get, headers: host.adminAuth
            ).json()
            #expect((rest["events"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["vm_stopped"])
            let filtered = try await client.execute(
                uri: "/admin/events.json?kind=vm_stopped&vm_id=\(id)", method: .get, headers: host.adminAuth
            ).json()
            #expect((filtered["events"] as? [[String: Any]])?.count == 1)
            let html = try await client.execute(uri: "/admin/events", method: .get, headers: host.adminAuth)
            #expect(html.bodyText.contains("&lt;b&gt;x&lt;/b&gt;"))
            #expect(!html.bodyText.contains("<b>x</b>"))
            let bad = try await client.execute(uri: "/admin/events.json?limit=0", method: .get, headers: host.adminAuth)
            #expect(bad.status == .badRequest)
            #expect(try bad.errorCode() == "invalid_request")

            let shown = try await client.execute(uri: "/v1/vm/\(id)", method: .get, headers: host.serviceAuth).json()
            let lifecycle = try #require(shown["lifecycle_events"] as? [[String: Any]])
            #expect(lifecycle.map { $0["kind"] as? String } == ["vm_stopped", "vm_recovered"])
            // Never on the public route.
            let status = try await client.execute(uri: "/v1/vm/\(id)/status", method: .get)
            #expect(!status.bodyText.contains("vm_stopped"))
        }
    }

    @Test func orphansFoundByReconcileAreListed() async throws {
        try await TestHost.run { host, client in
            _ = try await host.backend.allocate(
                AllocationRequest(allocationID: "leaked", userID: "u", plan: PlanSpec(name: "trial", priceCents: 0)),
                logger: host.dependencies.logger)
            let reconcile = ReconcileService(
                store: host.dependencies.store, provisioning: host.dependencies.provisioning,
                backend: host.dependencies.backend, configuration: host.dependencies.configuration.reconcile,
                metrics: host.dependencies.metrics, orphans: host.dependencies.orphans, logger: host.dependencies.logger
            )
            await reconcile.runPass()
            await reconcile.runPass()
            // Reported once, however many passes (the app's own loop included) saw it.
            let reported = try await host.dependencies.store.lifecycleEvents(
                matching: .init(kind: "orphan_detected"), limit: 10, beforeID: nil)
            #expect(reported.map(\.allocationID) == ["leaked"])
            let listed = try await client.execute(uri: "/admin/orphans.json", method: .get, headers: host.adminAuth)
                .json()
            let orphans = try #require(listed["orphans"] as? [[String: Any]])
            #expect(orphans.map { $0["vm_id"] as? String } == ["leaked"])
            let html = try await client.execute(uri: "/admin/orphans", method: .get, headers: host.adminAuth)
            #expect(html.bodyText.contains("leaked"))
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.bodyText.contains(#"provisioner_lifecycle_events_total{kind="orphan_detected"} 1"#))
            #expect(metrics.bodyText.contains("provisioner_allocations{state="))
        }
    }
}
