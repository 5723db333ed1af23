import Foundation
import Host
import Hummingbird
import HummingbirdTesting
import PoolProvisioner
import ProvisionerAPI
import Testing

@Suite(.timeLimit(.minutes(1)))
struct PoolRoutesTests {
    @Test func refreshAcceptsBothShapesAndReportsTheSizes() async throws {
        try await PoolHost.run(PoolHost.vms(2)) { host, client in
            let bare = try await client.post(
                "/admin/pool-refresh", json: #"[{"id":"a"},{"id":"b"},{"id":"c"}]"#, headers: host.adminAuth)
            #expect(bare.status == .ok)
            #expect(try bare.json()["prev_pool_size"] as? Int == 2)
            #expect(try bare.json()["pool_size"] as? Int == 3)
            let wrapped = try await client.post(
                "/admin/pool-refresh", json: #"{"pool":[{"id":"z","cockpit_url":"https://z:9090"}]}"#,
                headers: host.adminAuth)
            #expect(wrapped.status == .ok)
            #expect(try wrapped.json()["prev_pool_size"] as? Int == 3)
            #expect(try wrapped.json()["pool_size"] as? Int == 1)
        }
    }

    @Test func aBadPoolIsRefusedWithTheEntryAndFieldAndChangesNothing() async throws {
        try await PoolHost.run(PoolHost.vms(2)) { host, client in
            let response = try await client.post(
                "/admin/pool-refresh", json: #"[{"id":"a"},{"id":"b","ssh_port":"x"}]"#, headers: host.adminAuth)
            #expect(response.status == .badRequest)
            #expect(try response.errorCode() == "invalid_request")
            let message = try #require((try response.json()["error"] as? [String: Any])?["message"] as? String)
            #expect(message.contains("pool[1].ssh_port"))
            let duplicate = try await client.post(
                "/admin/pool-refresh", json: #"[{"id":"a"},{"id":"a"}]"#, headers: host.adminAuth)
            #expect(duplicate.status == .badRequest)
            #expect(try duplicate.bodyText.contains("duplicate VM id"))
            let report = try await client.execute(uri: "/admin/pool.json", method: .get, headers: host.adminAuth)
            #expect(try report.json()["pool_size"] as? Int == 2)
        }
    }

    @Test func refreshNeedsTheAdminSecret() async throws {
        try await PoolHost.run(PoolHost.vms(1)) { host, client in
            let none = try await client.post("/admin/pool-refresh", json: "[]", headers: [:])
            #expect(none.status == .unauthorized)
            #expect(try none.errorCode() == "unauthorized")
            let service = try await client.post("/admin/pool-refresh", json: "[]", headers: host.serviceAuth)
            #expect(service.status == .forbidden)
            #expect(try service.errorCode() == "forbidden")
        }
    }

    @Test func poolRoutesAnswer503WhenThePoolIsNotTheActiveBackend() async throws {
        try await TestHost.run { host, client in
            let refresh = try await client.post("/admin/pool-refresh", json: #"[{"id":"a"}]"#, headers: host.adminAuth)
            #expect(refresh.status == .serviceUnavailable)
            #expect(try refresh.errorCode() == "pool_not_active")
            let report = try await client.execute(uri: "/admin/pool.json", method: .get, headers: host.adminAuth)
            #expect(report.status == .serviceUnavailable)
        }
    }

    @Test func aFreeOrderGetsAPoolVMWithItsCockpitURLAndTheNextIsRefusedWhenTheyAreGone() async throws {
        try await PoolHost.run(PoolHost.vms(1), .live) { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"trial"}"#, headers: host.serviceAuth)
            #expect(created.status == .accepted)
            let id = try #require(try created.json()["vm_id"] as? String)
            _ = try await client.waitForState(id, in: ["provisioned"])
            let shown = try await client.execute(uri: "/v1/vm/\(id)", method: .get, headers: host.serviceAuth).json()
            #expect(shown["cockpit_url"] as? String == "https://vm-0.example:9090")
            #expect(shown["backend"] as? String == "pool")
            #expect(shown["is_demo"] as? Bool == false)

            let refused = try await client.post(
                "/v1/vm", json: #"{"user_id":"u2","plan":"trial"}"#, headers: host.serviceAuth)
            #expect(refused.status == .serviceUnavailable)
            #expect(try refused.errorCode() == "pool_exhausted")
            #expect(refused.headers[.retryAfter] != nil)

            let report = try await client.execute(uri: "/admin/pool.json", method: .get, headers: host.adminAuth).json()
            let rows = try #require(report["vms"] as? [[String: Any]])
            #expect(rows.first?["state"] as? String == "assigned")
            #expect(rows.first?["allocation_id"] as? String == id)
        }
    }

    @Test func anAssignedVMRemovedByARefreshIsReportedOrphanedFromPool() async throws {
        try await PoolHost.run(PoolHost.vms(1), .live) { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"trial"}"#, headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            _ = try await client.waitForState(id, in: ["provisioned"])
            _ = try await client.post("/admin/pool-refresh", json: #"[{"id":"other"}]"#, headers: host.adminAuth)
            let report = try await client.execute(uri: "/admin/pool.json", method: .get, headers: host.adminAuth).json()
            let rows = try #require(report["vms"] as? [[String: Any]])
            let orphan = try #require(rows.first { $0["vm_id"] as? String == "vm-0" })
            #expect(orphan["state"] as? String == "orphaned_from_pool")
            #expect(orphan["allocation_id"] as? String == id)
            // The customer keeps the VM.
            let status = try await client.execute(uri: "/v1/vm/\(id)/status", method: .get).json()
            #expect(status["launch_proof_status"] as? String == "provisioned")
            let html = try await client.execute(uri: "/admin/pool", method: .get, headers: host.adminAuth)
            #expect(html.bodyText.contains("orphaned_from_pool"))
        }
    }

    @Test func onlyAQuarantinedVMCanBeReturnedAndOnlyThroughTheGate() async throws {
        try await PoolHost.run(PoolHost.vms(2), .live) { host, client in
            let ledger = StoreClaimLedger(store: host.store, namespace: "pool")
            // The backend's start-up sweep resumes the hook of every claim it finds `cleaning`,
            // so it must be over before this test sets claims by hand. Hooks run after the sweep:
            // one released VM back in the pool shows it is.
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"trial"}"#, headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            _ = try await client.waitForState(id, in: ["provisioned"])
            let released = try await client.execute(uri: "/v1/vm/\(id)", method: .delete, headers: host.serviceAuth)
            #expect(released.status.code < 300)
            try await pollUntil { try await ledger.claims().isEmpty }

            let notHeld = try await client.post("/admin/pool/vm-0/return", json: "", headers: host.adminAuth)
            #expect(notHeld.status == .conflict)
            #expect(try notHeld.errorCode() == "state_conflict")
            // A VM still being wiped never re-enters the pool.
            _ = try await ledger.claim("vm-1", for: "b")
            _ = try await ledger.setState(.cleaning, of: "vm-1", for: "b", note: "wiping")
            let cleaning = try await client.post("/admin/pool/vm-1/return", json: "", headers: host.adminAuth)
            #expect(cleaning.status == .conflict)
            #expect(try cleaning.errorCode() == "state_conflict")
            #expect(try await ledger.claim(on: "vm-1")?.state == .cleaning)
            _ = try await ledger.claim("vm-0", for: "a")
            _ = try await ledger.setState(.quarantined, of: "vm-0", for: "a", note: "wipe failed")
            let html = try await client.execute(uri: "/admin/pool", method: .get, headers: host.adminAuth)
            #expect(html.bodyText.contains("quarantined"))
            #expect(html.bodyText.contains("wipe failed"))
            // A quarantined VM may hold a customer's data: the return waits for a signature.
            let returned = try await client.post("/admin/pool/vm-0/return", json: "", headers: host.adminAuth)
            #expect(returned.status == .accepted)
            let body = try returned.json()
            #expect(body["state"] as? String == "pending_signature")
            #expect(body["op"] as? String == "return_quarantined")
            #expect((body["payload"] as? String)?.contains("\"target\":\"vm-0\"") == true)
            #expect(try await ledger.claim(on: "vm-0")?.state == .quarantined)
            let audit = try await host.store.auditEvents(
                matching: .init(kind: "gate.pending"), limit: 10, beforeID: nil)
            #expect(audit.count == 1)
            #expect(audit.first?.detail?.contains("credential=admin_secret") == true)
            #expect(audit.first?.requestID != nil)
        }
    }

    @Test func poolRefreshWritesAnAuditEventNamingTheRequest() async throws {
        try await PoolHost.run(PoolHost.vms(1)) { host, client in
            var headers = host.adminAuth
            headers[.init("X-Request-ID")!] = "refresh-req-1"
            let response = try await client.post(
                "/admin/pool-refresh", json: #"[{"id":"vm-a"},{"id":"vm-b"}]"#, headers: headers)
            #expect(response.status == .ok)
            let events = try await host.store.auditEvents(
                matching: .init(kind: "pool.refreshed"), limit: 10, beforeID: nil)
            #expect(events.count == 1)
            #expect(events.first?.requestID == "refresh-req-1")
            #expect(events.first?.detail?.contains("credential=admin_secret") == true)
            #expect(events.first?.detail?.contains("pool_size=2") == true)
        }
    }
}
