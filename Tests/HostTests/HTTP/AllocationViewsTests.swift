import Foundation
import HTTPTypes
import Host
import Hummingbird
import HummingbirdTesting
import PoolProvisioner
import Testing

/// The service view carries `cockpit_url` and `forge_id` on every allocation response.
@Suite(.timeLimit(.minutes(1)))
struct AllocationViewsTests {
    @Test func cockpitURLIsInEveryAllocationResponseAndNullUntilProvisioned() async throws {
        let vms = [PoolVM(id: "pool-1", ipv6: "2001:db8::1", cockpitURL: "https://pool-1.example:9090/")]
        try await TestHost.runPool(vms) { host, _, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"small"}"#, headers: host.serviceAuth)
            #expect(created.status == .accepted)
            let id = try #require(try created.json()["vm_id"] as? String)
            #expect(try created.json().keys.contains("cockpit_url"))
            #expect(try created.json()["cockpit_url"] is NSNull)
            let unpaid = try await client.execute(uri: "/v1/vm/\(id)", method: .get, headers: host.serviceAuth)
            #expect(try unpaid.json()["cockpit_url"] is NSNull)

            let paid = try await client.post(
                "/v1/vm/\(id)/payment", json: #"{"status":"paid"}"#, headers: host.serviceAuth)
            #expect(try paid.json().keys.contains("cockpit_url"))
            _ = try await client.waitForState(id, in: ["provisioned"])

            let shown = try await client.execute(uri: "/v1/vm/\(id)", method: .get, headers: host.serviceAuth).json()
            #expect(shown["cockpit_url"] as? String == "https://pool-1.example:9090/")
            let list = try await client.execute(uri: "/v1/users/u1/vms", method: .get, headers: host.serviceAuth).json()
            let item = try #require((list["vms"] as? [[String: Any]])?.first)
            #expect(item["cockpit_url"] as? String == "https://pool-1.example:9090/")
            let status = try await client.execute(uri: "/v1/vm/\(id)/status", method: .get).json()
            #expect(status["cockpit_url"] == nil)

            let released = try await client.execute(uri: "/v1/vm/\(id)", method: .delete, headers: host.serviceAuth)
            #expect(try released.json()["cockpit_url"] as? String == "https://pool-1.example:9090/")
        }
    }

    @Test func forgeIDIsStoredReturnedAndKeptByLaterOrders() async throws {
        try await TestHost.run { host, client in
            let first = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"small","forge_id":"gh:1234"}"#, headers: host.serviceAuth)
            #expect(first.status == .accepted)
            #expect(try first.json()["forge_id"] as? String == "gh:1234")
            let id = try #require(try first.json()["vm_id"] as? String)
            let second = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"small"}"#, headers: host.serviceAuth)
            #expect(try second.json()["forge_id"] as? String == "gh:1234")

            let shown = try await client.execute(uri: "/v1/vm/\(id)", method: .get, headers: host.serviceAuth).json()
            #expect(shown["forge_id"] as? String == "gh:1234")
            let list = try await client.execute(uri: "/v1/users/u1/vms", method: .get, headers: host.serviceAuth).json()
            #expect(list["forge_id"] as? String == "gh:1234")
            #expect((list["vms"] as? [[String: Any]])?.allSatisfy { $0["forge_id"] as? String == "gh:1234" } == true)

            let other = try await client.post(
                "/v1/vm", json: #"{"user_id":"u2","plan":"small"}"#, headers: host.serviceAuth)
            #expect(try other.json().keys.contains("forge_id"))
            #expect(try other.json()["forge_id"] is NSNull)
            let unknown = try await client.execute(uri: "/v1/users/nobody/vms", method: .get, headers: host.serviceAuth)
            #expect(try unknown.json()["forge_id"] is NSNull)
        }
    }

    @Test(arguments: [#""""#, #""a\u0000b""#, "7", #""\#(String(repeating: "x", count: 201))""#])
    func badForgeIDIs400NamingTheField(value: String) async throws {
        try await TestHost.run { host, client in
            let response = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"small","forge_id":\#(value)}"#, headers: host.serviceAuth)
            #expect(response.status == .badRequest)
            #expect(try response.errorCode() == "invalid_request")
            let message = (try response.json()["error"] as? [String: Any])?["message"] as? String
            #expect(message?.contains("forge_id") == true, "\(message ?? "")")
        }
    }

    @Test func idempotentReplayWithAndWithoutForgeID() async throws {
        try await TestHost.run { host, client in
            var headers = host.serviceAuth
            headers[HTTPField.Name("Idempotency-Key")!] = "k-forge"
            let body = #"{"user_id":"u1","plan":"small","forge_id":"gh:9"}"#
            let first = try await client.post("/v1/vm", json: body, headers: headers)
            let replay = try await client.post("/v1/vm", json: body, headers: headers)
            #expect(replay.status == .accepted)
            #expect(replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try replay.json()["vm_id"] as? String == first.json()["vm_id"] as? String)
            let changed = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"small","forge_id":"gh:10"}"#, headers: headers)
            #expect(changed.status == .conflict)
            #expect(try changed.errorCode() == "idempotency_conflict")
        }
    }
}
