import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PoolProvisioner
import ProvisionerAPI
import Testing

@testable import Host

@Suite(.timeLimit(.minutes(1)))
struct DashboardRoutesTests {
    static let signer = DashboardLinkSigner(secret: TestHost.dashboardSecret, ttlSeconds: 3600)

    @Test func issuingALinkNeedsTheServiceToken() async throws {
        try await TestHost.run { host, client in
            let none = try await client.execute(uri: "/v1/users/u1/dashboard-link", method: .post)
            #expect(none.status == .unauthorized)
            #expect(try none.errorCode() == "unauthorized")
            let admin = try await client.execute(
                uri: "/v1/users/u1/dashboard-link", method: .post, headers: host.adminAuth)
            #expect(admin.status == .forbidden)
            #expect(try admin.errorCode() == "forbidden")
            let badUser = try await client.execute(
                uri: "/v1/users/bad%20user/dashboard-link", method: .post, headers: host.serviceAuth)
            #expect(badUser.status == .badRequest)
            #expect(try badUser.errorCode() == "invalid_request")
            let badBody = try await client.post(
                "/v1/users/u1/dashboard-link", json: #"{"ttl":5}"#, headers: host.serviceAuth)
            #expect(badBody.status == .badRequest)
            #expect(try badBody.errorCode() == "invalid_request")
        }
    }

    @Test func issuedLinkShowsOnlyActiveServicesWithACockpitColumn() async throws {
        let vms = [
            PoolVM(id: "pool-1", name: "box1.example.com", ipv4: "192.0.2.1", cockpitURL: "https://pool-1.example/"),
            PoolVM(id: "pool-2", ipv4: "192.0.2.2", ipv6: "2001:db8::2"),
            // A third VM, so the capacity check of the order cancelled below never races the worker.
            PoolVM(id: "pool-3", ipv4: "192.0.2.3"),
        ]
        try await TestHost.runPool(vms) { host, _, client in
            var ids: [String] = []
            for _ in 0..<2 {
                let created = try await client.post(
                    "/v1/vm", json: #"{"user_id":"cust-1","plan":"trial"}"#, headers: host.serviceAuth)
                ids.append(try #require(try created.json()["vm_id"] as? String))
            }
            let cancelled = try await client.post(
                "/v1/vm", json: #"{"user_id":"cust-1","plan":"small"}"#, headers: host.serviceAuth)
            let cancelledID = try #require(try cancelled.json()["vm_id"] as? String)
            _ = try await client.execute(uri: "/v1/vm/\(cancelledID)", method: .delete, headers: host.serviceAuth)
            for id in ids { _ = try await client.waitForState(id, in: ["provisioned"]) }

            let issued = try await client.execute(
                uri: "/v1/users/cust-1/dashboard-link", method: .post, headers: host.serviceAuth)
            #expect(issued.status == .created)
            let body = try issued.json()
            let url = try #require(body["url"] as? String)
            #expect(url.hasPrefix("/dashboard/cust-1?expires="))
            #expect(url.contains("&sig="))
            let expiresAt = try #require(body["expires_at"] as? String)
            let expiry = try #require(try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(expiresAt))
            #expect(abs(expiry.timeIntervalSinceNow - 3600) < 10)

            let page = try await client.execute(uri: url, method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.headers[.cacheControl] == "no-store")
            #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            let html = page.bodyText
            #expect(!html.contains("<script"))
            #expect(html.contains("Active services"))
            #expect(html.contains("cust-1"))
            #expect(HTMLTable.headers(html) == ["Service", "Plan", "Status", "Address", "Cockpit"])
            let rows = HTMLTable.rows(html)
            #expect(rows.count == 2)
            #expect(rows.allSatisfy { $0.count == 5 })
            #expect(!html.contains(cancelledID))
            let named = try #require(rows.first { $0[0].hasPrefix("<strong>box1.example.com") })
            #expect(named[3] == "192.0.2.1")
            #expect(named[4] == #"<a href="https://pool-1.example/" rel="noopener noreferrer">Open →</a>"#)
            let bare = try #require(rows.first { !$0[0].hasPrefix("<strong>box1") })
            #expect(bare[2].contains("Ready") && bare[2].contains("Your machine is ready."))
            #expect(!bare[2].contains("provisioned"))
            #expect(bare[3] == "2001:db8::2")
            #expect(bare[4] == "—")
        }
    }

    @Test func badOrMissingSignaturesAre403Forbidden() async throws {
        try await TestHost.run { _, client in
            let good = Self.signer.link(for: "u1", now: Date()).path
            let expires = try #require(good.split(separator: "expires=").last?.split(separator: "&").first)
            let sig = try #require(good.split(separator: "sig=").last)
            let tamperedSig = String(sig.dropLast()) + (sig.hasSuffix("0") ? "1" : "0")
            let forged = DashboardLinkSigner(secret: "another-secret-0123456789", ttlSeconds: 3600)
                .link(for: "u1", now: Date()).path
            for uri in [
                "/dashboard/u1", "/dashboard/u1?expires=\(expires)", "/dashboard/u1?sig=\(sig)",
                "/dashboard/u2?expires=\(expires)&sig=\(sig)", "/dashboard/u1?expires=\(expires)&sig=\(tamperedSig)",
                "/dashboard/u1?expires=\(Int(expires)! + 1)&sig=\(sig)", "/dashboard/u1?expires=\(expires)&sig=zz",
                forged,
            ] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .forbidden, "\(uri)")
                #expect(try response.errorCode() == "forbidden", "\(uri)")
            }
            #expect(try await client.execute(uri: good, method: .get).status == .ok)
        }
    }

    @Test func expiredLinkIs403LinkExpired() async throws {
        try await TestHost.run { _, client in
            let old = Self.signer.link(for: "u1", now: Date().addingTimeInterval(-3601)).path
            let response = try await client.execute(uri: old, method: .get)
            #expect(response.status == .forbidden)
            #expect(try response.errorCode() == "link_expired")
        }
    }

    @Test func hostileHostnamesAndConsoleURLsAreEscaped() async throws {
        try await TestHost.run { host, client in
            _ = try await host.storeDelivered(userID: "u1", hostname: #""><script>alert("h")</script>"#) {
                VmAllocation(
                    allocationID: $0, backend: "simulated", cockpitURL: #"https://x/"><script>alert(1)</script>"#)
            }
            _ = try await host.storeDelivered(userID: "u1", hostname: "js.example") {
                VmAllocation(allocationID: $0, backend: "simulated", cockpitURL: "javascript:alert(1)")
            }
            let page = try await client.execute(uri: Self.signer.link(for: "u1", now: Date()).path, method: .get)
            #expect(page.status == .ok)
            let html = page.bodyText
            #expect(!html.contains("<script"))
            #expect(!html.lowercased().contains("javascript:"))
            #expect(html.contains("&quot;&gt;&lt;script&gt;alert(&quot;h&quot;)&lt;/script&gt;"))
            #expect(html.contains(#"href="https://x/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;""#))
            let rows = HTMLTable.rows(html)
            #expect(rows.count == 2)
            #expect(rows.first { $0[0].hasPrefix("<strong>js.example") }?[4] == "—")
        }
    }
}
