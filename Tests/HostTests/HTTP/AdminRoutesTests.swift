import Foundation
import Host
import Hummingbird
import HummingbirdTesting
import Testing

@Suite(.timeLimit(.minutes(1)))
struct AdminRoutesTests {
    @Test func auditNeedsTheAdminSecret() async throws {
        try await TestHost.run { host, client in
            let none = try await client.execute(uri: "/admin/audit.json", method: .get)
            #expect(none.status == .unauthorized)
            let service = try await client.execute(uri: "/admin/audit.json", method: .get, headers: host.serviceAuth)
            #expect(service.status == .forbidden)
            #expect(try service.errorCode() == "forbidden")
        }
    }

    @Test func auditFiltersAndPaginates() async throws {
        try await TestHost.run { host, client in
            var ids: [String] = []
            for user in ["a1", "a1", "a2"] {
                let created = try await client.post(
                    "/v1/vm", json: #"{"user_id":"\#(user)","plan":"small"}"#, headers: host.serviceAuth)
                ids.append(try #require(try created.json()["vm_id"] as? String))
            }
            _ = try await client.post(
                "/v1/vm/\(ids[0])/payment", json: #"{"status":"paid"}"#, headers: host.serviceAuth)
            _ = try await client.waitForState(ids[0], in: ["provisioned"])

            let byUser = try await client.execute(
                uri: "/admin/audit.json?user_id=a1&kind=order.created", method: .get, headers: host.adminAuth
            ).json()
            let userEvents = try #require(byUser["events"] as? [[String: Any]])
            #expect(userEvents.count == 2)
            #expect(
                userEvents.allSatisfy { $0["user_id"] as? String == "a1" && $0["kind"] as? String == "order.created" })

            let byVM = try await client.execute(
                uri: "/admin/audit.json?vm_id=\(ids[0])", method: .get, headers: host.adminAuth
            ).json()
            let kinds = (byVM["events"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } ?? []
            #expect(kinds == ["provision.succeeded", "provision.started", "payment.recorded", "order.created"])

            var seen: [Int] = []
            var uri = "/admin/audit.json?limit=2"
            while true {
                let page = try await client.execute(uri: uri, method: .get, headers: host.adminAuth).json()
                let events = try #require(page["events"] as? [[String: Any]])
                seen += events.compactMap { $0["id"] as? Int }
                guard let next = page["next_before"] as? Int else { break }
                uri = "/admin/audit.json?limit=2&before=\(next)"
            }
            #expect(seen == seen.sorted(by: >))
            #expect(Set(seen).count == seen.count)
            #expect(seen.count >= 6)

            let bad = try await client.execute(uri: "/admin/audit.json?limit=0", method: .get, headers: host.adminAuth)
            #expect(bad.status == .badRequest)
        }
    }

    @Test func auditHTMLEscapesWhatUsersWrote() async throws {
        try await TestHost.run { host, client in
            _ = try await client.post(
                "/v1/vm", json: #"{"user_id":"x","plan":"small"}"#,
                headers: host.serviceAuth)
            let page = try await client.execute(
                uri: "/admin/audit?kind=%3Cscript%3E", method: .get, headers: host.adminAuth)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(!page.bodyText.contains("<script>"))
            #expect(page.bodyText.contains("&lt;script&gt;") || page.bodyText.contains("No events match"))
            let all = try await client.execute(uri: "/admin/audit", method: .get, headers: host.adminAuth)
            #expect(all.bodyText.contains("order.created"))
        }
    }
}
