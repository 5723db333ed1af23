import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PoolProvisioner
import ProvisionerAPI
import Testing

@testable import Host

/// The pages as a whole: one layout, one navigation bar, the security headers on every HTML
/// response, the allocation detail page, and templates checked before use.
@Suite(.timeLimit(.minutes(1)))
struct PagesTests {
    static let adminPages = [
        "/admin/allocations", "/admin/audit", "/admin/events", "/admin/orphans",
    ]

    /// Every HTML response carries CSP, nosniff, `frame-ancestors 'none'` and `no-store`.
    static func expectSecurityHeaders(_ response: TestResponse, _ uri: String) {
        #expect(response.headers[.contentType]?.hasPrefix("text/html") == true, "\(uri)")
        let policy = response.headers[.contentSecurityPolicy] ?? ""
        #expect(policy.contains("default-src 'none'"), "\(uri)")
        #expect(policy.contains("frame-ancestors 'none'"), "\(uri)")
        #expect(!policy.contains("script-src"), "\(uri)")
        #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
        #expect(response.headers[.cacheControl] == "no-store", "\(uri)")
    }

    @Test func everyAdminPageHasTheHeadersTheLayoutAndOneNavigationBar() async throws {
        try await TestHost.run { host, client in
            for uri in Self.adminPages {
                let page = try await client.execute(uri: uri, method: .get, headers: host.adminAuth)
                #expect(page.status == .ok, "\(uri)")
                Self.expectSecurityHeaders(page, uri)
                let html = page.bodyText
                #expect(!html.contains("<script"), "\(uri)")
                #expect(html.components(separatedBy: "<nav ").count == 2, "\(uri): one navigation bar")
                for link in ["/admin/allocations", "/admin/pool", "/admin/events", "/admin/audit", "/admin/orphans"] {
                    #expect(html.contains(#"href="\#(link)""#), "\(uri) links \(link)")
                }
                #expect(html.contains(#"<a href="\#(uri)" aria-current="page">"#), "\(uri) marks itself current")
                #expect(html.contains(".table-scroll{overflow-x:auto"), "\(uri) has the stylesheet")
            }
        }
    }

    @Test func thePoolPageHasTheHeadersToo() async throws {
        try await TestHost.runPool([PoolVM(id: "vm-q", ipv6: "2001:db8::51")]) { host, _, client in
            let page = try await client.execute(uri: "/admin/pool", method: .get, headers: host.adminAuth)
            #expect(page.status == .ok)
            Self.expectSecurityHeaders(page, "/admin/pool")
            #expect(page.bodyText.contains(#"title="available">Available</span>"#))
        }
    }

    @Test func theDetailPageShowsEveryFieldAndTheTimelineAndIsLinkedFromItsRow() async throws {
        try await TestHost.run { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"det","plan":"trial"}"#, headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            _ = try await client.waitForState(id, in: ["provisioned"])
            try await host.dependencies.store.appendEvents([
                LifecycleEvent(
                    at: Date(), kind: "vm_stopped", allocationID: id, backend: "simulated", detail: "<i>x</i>")
            ])
            let list = try await client.execute(uri: "/admin/allocations", method: .get, headers: host.adminAuth)
            #expect(list.bodyText.contains(#"<a href="/admin/allocations/\#(id)">"#))

            let uri = "/admin/allocations/\(id)"
            let page = try await client.execute(uri: uri, method: .get, headers: host.adminAuth)
            #expect(page.status == .ok)
            Self.expectSecurityHeaders(page, uri)
            let html = page.bodyText
            let shown = try await client.execute(uri: "/v1/vm/\(id)", method: .get, headers: host.serviceAuth).json()
            for field in shown.keys where field != "events" && field != "lifecycle_events" {
                #expect(html.contains("<dt>\(field)</dt>"), "the detail page lacks \(field)")
            }
            #expect(html.contains(#"title="provisioned">Provisioned</span>"#))
            for kind in ["order.created", "vm_stopped"] {
                #expect(html.contains("<code>\(kind)</code>"), "the timeline lacks \(kind)")
            }
            #expect(html.contains("&lt;i&gt;x&lt;/i&gt;"))
            #expect(html.contains(#"<time datetime=""#) && html.contains(#" UTC">"#))

            let none = try await client.execute(uri: uri, method: .get)
            #expect(none.status == .unauthorized)
            let missing = try await client.execute(
                uri: "/admin/allocations/vm-none", method: .get, headers: host.adminAuth)
            #expect(missing.status == .notFound)
            #expect(try missing.errorCode() == "not_found")
        }
    }

    @Test func theDashboardSpeaksToTheCustomerAndAnExpiredLinkShowsAPage() async throws {
        try await TestHost.run { host, client in
            let id = try await host.storeDelivered(userID: "cust-9", hostname: "box9.example") {
                VmAllocation(
                    allocationID: $0, backend: "simulated", ipv6: "2001:db8::9", sshHost: "2001:db8::9", sshPort: 2222)
            }
            let signer = DashboardLinkSigner(secret: TestHost.dashboardSecret, ttlSeconds: 3600)
            let uri = signer.link(for: "cust-9", now: Date()).path
            let page = try await client.execute(uri: uri, method: .get)
            Self.expectSecurityHeaders(page, "/dashboard")
            let html = page.bodyText
            #expect(html.contains("Your machine is ready."))
            #expect(html.contains("ssh -p 2222 2001:db8::9"))
            #expect(!html.contains(">provisioned<") && !html.contains("launch_proof"))
            #expect(!html.contains("<nav "), "no admin navigation for customers")
            #expect(html.contains(id))
            #expect(
                html.range(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"#, options: .regularExpression).map {
                    html[..<$0.lowerBound].hasSuffix(#"datetime=""#)
                } ?? true, "raw timestamps only inside datetime attributes")

            let old = signer.link(for: "cust-9", now: Date().addingTimeInterval(-3601)).path
            let expired = try await client.execute(uri: old, method: .get, headers: [.accept: "text/html"])
            #expect(expired.status == .forbidden)
            Self.expectSecurityHeaders(expired, "expired dashboard")
            #expect(expired.bodyText.contains("This link has expired"))
            let program = try await client.execute(uri: old, method: .get)
            #expect(try program.errorCode() == "link_expired")
        }
    }

    @Test func theBundledTemplatesParseAndABrokenOneIsNamedWithItsLine() throws {
        try PageTemplates.bundled.check()
        var sources = PageTemplates.bundledSources
        sources["pool"] = "{{<layout}}{{$content}}\n<p>{{#vms}}x{{/vm}}</p>{{/content}}{{/layout}}"
        let error = #expect(throws: PageTemplateError.self) { try PageTemplates(sources: sources).check() }
        #expect(
            error?.description.hasPrefix("page template templates/pool.mustache:2:") == true,
            "\(String(describing: error))")
        sources = PageTemplates.bundledSources
        sources["audit"] = nil
        let missing = #expect(throws: PageTemplateError.self) { try PageTemplates(sources: sources).check() }
        #expect(missing?.description == "page template templates/audit.mustache: the template is missing")
    }
}
