import Foundation
import Host
import Hummingbird
import HummingbirdTesting
import Logging
import PoolProvisioner
import ProvisionerAPI
import Testing

@Suite(.timeLimit(.minutes(1)))
struct AdminAllocationRoutesTests {
    static let columns = [
        "vm_id", "user_id", "plan", "backend", "state", "payment", "backend_ref", "ipv4", "ipv6", "ssh", "created_at",
        "updated_at", "cockpit",
    ]

    @Test(arguments: ["/admin/allocations", "/admin/allocations.json"])
    func needsTheAdminSecret(uri: String) async throws {
        try await TestHost.run { host, client in
            let none = try await client.execute(uri: uri, method: .get)
            #expect(none.status == .unauthorized)
            #expect(try none.errorCode() == "unauthorized")
            let service = try await client.execute(uri: uri, method: .get, headers: host.serviceAuth)
            #expect(service.status == .forbidden)
            #expect(try service.errorCode() == "forbidden")
        }
    }

    @Test func htmlTableHasThirteenColumnsEndingWithCockpit() async throws {
        try await TestHost.run { host, client in
            _ = try await client.post("/v1/vm", json: #"{"user_id":"u1","plan":"small"}"#, headers: host.serviceAuth)
            let withCockpit = try await host.storeDelivered(userID: "u2", hostname: nil) {
                VmAllocation(
                    allocationID: $0, backend: "simulated", backendRef: "sim-1", ipv4: "192.0.2.7",
                    ipv6: "2001:db8::7", sshHost: "2001:db8::7", sshPort: 2222, cockpitURL: "https://c.example:9090/")
            }
            let page = try await client.execute(uri: "/admin/allocations", method: .get, headers: host.adminAuth)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.headers[.cacheControl] == "no-store")
            #expect(!page.bodyText.contains("<script"))
            #expect(HTMLTable.headers(page.bodyText) == Self.columns)
            let rows = HTMLTable.rows(page.bodyText)
            #expect(rows.count == 2)
            #expect(rows.allSatisfy { $0.count == 13 })
            let delivered = try #require(rows.first { $0[0].contains(withCockpit) })
            #expect(delivered[9] == "[2001:db8::7]:2222")
            #expect(delivered[12] == #"<a href="https://c.example:9090/" rel="noopener noreferrer">Open →</a>"#)
            let ordered = try #require(rows.first { $0[1] == "u1" })
            #expect(ordered[4].contains(#"title="payment_required">Payment required</span>"#))
            #expect(ordered[12] == "—")
        }
    }

    @Test func jsonFiltersAndPaginates() async throws {
        try await TestHost.run { host, client in
            for (user, plan) in [("a1", "small"), ("a1", "small"), ("a2", "small")] {
                _ = try await client.post(
                    "/v1/vm", json: #"{"user_id":"\#(user)","plan":"\#(plan)","forge_id":"gh-\#(user)"}"#,
                    headers: host.serviceAuth)
            }
            func page(_ query: String) async throws -> [String: Any] {
                let response = try await client.execute(
                    uri: "/admin/allocations.json\(query)", method: .get, headers: host.adminAuth)
                #expect(response.status == .ok)
                return try response.json()
            }
            func items(_ query: String) async throws -> [[String: Any]] {
                try #require(try await page(query)["allocations"] as? [[String: Any]])
            }
            let all = try await items("")
            #expect(all.count == 3)
            #expect(all.allSatisfy { $0["orphaned_from_pool"] as? Bool == false })
            #expect(all.allSatisfy { $0.keys.contains("cockpit_url") && $0["cockpit_url"] is NSNull })
            #expect(all.allSatisfy { $0["forge_id"] as? String == "gh-\($0["user_id"] as? String ?? "")" })
            #expect(try await items("?user_id=a1").count == 2)
            #expect(try await items("?state=payment_required&backend=simulated").count == 3)
            #expect(try await items("?state=provisioned").isEmpty)
            #expect(try await items("?backend=pool").isEmpty)

            let first = try await page("?limit=2")
            #expect((first["allocations"] as? [Any])?.count == 2)
            #expect(first["next_offset"] as? Int == 2)
            let second = try await page("?limit=2&offset=2")
            #expect((second["allocations"] as? [Any])?.count == 1)
            #expect(second["next_offset"] is NSNull)
            let ids = (try await items("?limit=2") + (second["allocations"] as? [[String: Any]] ?? []))
                .compactMap { $0["vm_id"] as? String }
            #expect(Set(ids).count == 3)

            var accept = host.adminAuth
            accept[.accept] = "application/json"
            let negotiated = try await client.execute(uri: "/admin/allocations", method: .get, headers: accept)
            #expect((try negotiated.json()["allocations"] as? [Any])?.count == 3)
        }
    }

    @Test(arguments: [
        ("?state=bogus", "'state'"), ("?limit=0", "'limit'"), ("?limit=501", "'limit'"), ("?offset=-1", "'offset'"),
        ("?offset=x", "'offset'"),
    ])
    func badQueryIs400NamingTheParameter(query: String, named: String) async throws {
        try await TestHost.run { host, client in
            let response = try await client.execute(
                uri: "/admin/allocations.json\(query)", method: .get, headers: host.adminAuth)
            #expect(response.status == .badRequest)
            #expect(try response.errorCode() == "invalid_request")
            let message = (try response.json()["error"] as? [String: Any])?["message"] as? String
            #expect(message?.contains(named) == true, "\(message ?? "")")
        }
    }

    @Test func vmRemovedByARefreshStaysAssignedAndIsReportedOrphaned() async throws {
        let vms = [
            PoolVM(id: "pool-1", ipv6: "2001:db8::1", cockpitURL: "https://pool-1.example:9090/"),
            PoolVM(id: "pool-2", ipv6: "2001:db8::2"),
        ]
        try await TestHost.runPool(vms) { host, pool, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"trial"}"#, headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            _ = try await client.waitForState(id, in: ["provisioned"])
            let before = try await client.execute(
                uri: "/admin/allocations.json", method: .get, headers: host.adminAuth
            ).json()
            let held = try #require((before["allocations"] as? [[String: Any]])?.first)
            #expect(held["orphaned_from_pool"] as? Bool == false)
            let vmID = try #require(held["backend_ref"] as? String)

            _ = try await pool.refreshPool(vms.filter { $0.id != vmID }, logger: Logger(label: "test"))

            let after = try await client.execute(uri: "/admin/allocations.json", method: .get, headers: host.adminAuth)
            let item = try #require((try after.json()["allocations"] as? [[String: Any]])?.first)
            #expect(item["orphaned_from_pool"] as? Bool == true)
            #expect(item["launch_proof_status"] as? String == "provisioned")
            #expect(item["backend_ref"] as? String == vmID)

            let page = try await client.execute(
                uri: "/admin/allocations?backend=pool", method: .get, headers: host.adminAuth)
            let rows = HTMLTable.rows(page.bodyText)
            #expect(rows.count == 1)
            #expect(rows.first?.count == 13)
            #expect(rows.first?[4].contains("orphaned_from_pool") == true)
            #expect(rows.first?[4].hasPrefix(#"<span class="badge tone-good" title="provisioned">"#) == true)
        }
    }

    @Test func hostileUserIDsAndURLsAreEscapedAndOnlyWebURLsBecomeLinks() async throws {
        try await TestHost.run { host, client in
            _ = try await host.storeDelivered(userID: #"<script>alert("u")</script>"#, hostname: nil) {
                VmAllocation(
                    allocationID: $0, backend: "simulated", backendRef: "<img src=x onerror=alert(1)>",
                    cockpitURL: #"https://x/"><script>alert(1)</script>"#)
            }
            _ = try await host.storeDelivered(userID: "u-js", hostname: nil) {
                VmAllocation(allocationID: $0, backend: "simulated", cockpitURL: "javascript:alert(document.cookie)")
            }
            _ = try await host.storeDelivered(userID: "u-js-upper", hostname: nil) {
                VmAllocation(allocationID: $0, backend: "simulated", cockpitURL: " JavaScript:alert(1)")
            }
            let page = try await client.execute(uri: "/admin/allocations", method: .get, headers: host.adminAuth)
            let html = page.bodyText
            #expect(!html.contains("<script"))
            #expect(!html.contains("<img"))
            #expect(!html.lowercased().contains("javascript:"))
            #expect(html.contains("&lt;script&gt;alert(&quot;u&quot;)&lt;/script&gt;"))
            #expect(html.contains(#"href="https://x/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;""#))
            let rows = HTMLTable.rows(html)
            #expect(rows.count == 3)
            #expect(rows.allSatisfy { $0.count == 13 })
            let js = rows.filter { $0[1].hasPrefix("u-js") }
            #expect(js.count == 2)
            #expect(js.allSatisfy { $0[12] == "—" })
        }
    }
}
