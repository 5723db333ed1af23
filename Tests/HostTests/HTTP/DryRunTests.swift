import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PoolProvisioner
import ProvisionerAPI
import Testing

@testable import Host

/// `POST /v1/vm?dry_run=true` (DESIGN.md section 12): 200 with what the order would get, and
/// nothing written, not even under concurrent real orders.
@Suite(.timeLimit(.minutes(2)))
struct DryRunTests {
    /// Every row of every table of `store`, as text.
    static func contents(_ store: any Store) async throws -> [String: [String]] {
        let sqlite = try #require(store as? SQLiteStore)
        return try await sqlite.writer.read { db in
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            var result: [String: [String]] = [:]
            for table in tables {
                result[table] = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map(\.description).sorted()
            }
            return result
        }
    }

    static func dryRun(
        _ body: String, client: any TestClientProtocol, headers: HTTPFields
    ) async throws -> (status: HTTPResponse.Status, json: [String: Any]) {
        let response = try await client.post("/v1/vm?dry_run=true", json: body, headers: headers)
        return (response.status, try response.json())
    }

    @Test func aDryRunWritesNothingWhateverItFinds() async throws {
        try await TestHost.run(configure: { $0.limits.maxPaidVMsPerUser = 1 }) { host, client in
            // Something to count: a paid order waiting for payment, and a free one delivered.
            var keyed = host.serviceAuth
            keyed[HTTPField.Name("Idempotency-Key")!] = "order-1"
            let paid = try await client.post("/v1/vm", json: #"{"user_id":"alice","plan":"small"}"#, headers: keyed)
            #expect(paid.status == .accepted)
            let free = try await client.post(
                "/v1/vm", json: #"{"user_id":"alice","plan":"trial"}"#, headers: host.serviceAuth)
            let freeID = try #require(try free.json()["vm_id"] as? String)
            _ = try await client.waitForState(freeID, in: ["provisioned"])

            let before = try await Self.contents(host.dependencies.store)
            #expect((before["allocations"]?.count ?? 0) == 2)
            #expect((before["audit_events"]?.count ?? 0) > 0)

            // Accepted: a free plan, no cap, no ports blocked.
            let accepted = try await Self.dryRun(
                #"{"user_id":"bob","plan":"trial","open_ports":[80]}"#, client: client, headers: host.serviceAuth)
            #expect(accepted.status == .ok)
            #expect(accepted.json["dry_run"] as? Bool == true)
            #expect(accepted.json["backend"] as? String == "simulated")
            #expect(accepted.json["is_demo"] as? Bool == true)
            #expect(accepted.json["price_cents"] as? Int == 0)
            #expect(accepted.json["payment_required"] as? Bool == false)
            #expect(accepted.json["would_be_accepted"] as? Bool == true)
            #expect(accepted.json["refusal"] is NSNull)
            #expect(accepted.json["offered_vm"] is NSNull)
            let admission = try #require(accepted.json["admission"] as? [String: Any])
            #expect((admission["capacity"] as? [String: Any])?["has_room"] as? Bool == true)
            #expect((admission["quota"] as? [String: Any])?["applies"] as? Bool == false)
            #expect((admission["blocked_ports"] as? [String: Any])?["blocked"] as? [Int] == [])

            // Over the paid-VM cap: alice already holds one paid order.
            let capped = try await Self.dryRun(
                #"{"user_id":"alice","plan":"small"}"#, client: client, headers: host.serviceAuth)
            #expect(capped.status == .ok)
            #expect(capped.json["payment_required"] as? Bool == true)
            #expect(capped.json["price_cents"] as? Int == 500)
            #expect(capped.json["would_be_accepted"] as? Bool == false)
            let quota = try #require((capped.json["admission"] as? [String: Any])?["quota"] as? [String: Any])
            #expect(quota["applies"] as? Bool == true)
            #expect(quota["active_paid"] as? Int == 1)
            #expect(quota["limit"] as? Int == 1)
            let quotaRefusal = try #require(capped.json["refusal"] as? [String: Any])
            #expect(quotaRefusal["code"] as? String == "quota_exceeded")
            #expect(quotaRefusal["status"] as? Int == 429)
            #expect(quotaRefusal["agent_action"] as? String != nil)

            // Blocked ports are reported, with the 400 a real order gets.
            let ports = try await Self.dryRun(
                #"{"user_id":"carol","plan":"trial","open_ports":[443,25,587]}"#, client: client,
                headers: host.serviceAuth)
            #expect(ports.status == .ok)
            let blocked = try #require((ports.json["admission"] as? [String: Any])?["blocked_ports"] as? [String: Any])
            #expect(blocked["requested"] as? [Int] == [443, 25, 587])
            #expect(blocked["blocked"] as? [Int] == [25, 587])
            let portRefusal = try #require(ports.json["refusal"] as? [String: Any])
            #expect(portRefusal["code"] as? String == "invalid_request")
            #expect(portRefusal["status"] as? Int == 400)

            // The same Idempotency-Key: the same body replays the order, another body conflicts.
            let replay = try await Self.dryRun(#"{"user_id":"alice","plan":"small"}"#, client: client, headers: keyed)
            #expect(replay.json["replay_of"] as? String == (try paid.json()["vm_id"] as? String))
            #expect(replay.json["would_be_accepted"] as? Bool == true)
            let conflict = try await Self.dryRun(#"{"user_id":"alice","plan":"trial"}"#, client: client, headers: keyed)
            #expect((conflict.json["refusal"] as? [String: Any])?["code"] as? String == "idempotency_conflict")

            // Bad input is still a 400 naming the field.
            let unknownPlan = try await client.post(
                "/v1/vm?dry_run=true", json: #"{"user_id":"bob","plan":"huge"}"#, headers: host.serviceAuth)
            #expect(unknownPlan.status == .badRequest)
            #expect(try unknownPlan.errorCode() == "invalid_request")
            let badFlag = try await client.post(
                "/v1/vm?dry_run=maybe", json: #"{"user_id":"bob","plan":"trial"}"#, headers: host.serviceAuth)
            #expect(badFlag.status == .badRequest)
            #expect(badFlag.bodyText.contains("dry_run"))

            let after = try await Self.contents(host.dependencies.store)
            #expect(after.mapValues(\.count) == before.mapValues(\.count), "row counts changed")
            #expect(after == before, "a dry run changed the store")

            // dry_run=false is a real order.
            let real = try await client.post(
                "/v1/vm?dry_run=false", json: #"{"user_id":"bob","plan":"trial"}"#, headers: host.serviceAuth)
            #expect(real.status == .accepted)
        }
    }

    @Test func aPoolDryRunOffersTheVMTheNextOrderGets() async throws {
        try await PoolHost.run(PoolHost.vms(2)) { host, client in
            for user in ["u1", "u2"] {
                let preview = try await Self.dryRun(
                    #"{"user_id":"\#(user)","plan":"trial"}"#, client: client, headers: host.serviceAuth)
                #expect(preview.status == .ok)
                let offered = try #require(preview.json["offered_vm"] as? [String: Any])
                let offeredID = try #require(offered["vm_id"] as? String)
                #expect(offered["cockpit_url"] as? String == "https://\(offeredID).example:9090")
                let order = try await client.post(
                    "/v1/vm", json: #"{"user_id":"\#(user)","plan":"trial"}"#, headers: host.serviceAuth)
                let id = try #require(try order.json()["vm_id"] as? String)
                _ = try await client.waitForState(id, in: ["provisioned"])
                let vm = try await client.execute(uri: "/v1/vm/\(id)", method: .get, headers: host.serviceAuth)
                #expect(try vm.json()["backend_ref"] as? String == offeredID)
            }
            // The pool is full: the preview says so, with the 503 a real order gets.
            let full = try await Self.dryRun(
                #"{"user_id":"u3","plan":"trial"}"#, client: client, headers: host.serviceAuth)
            #expect(full.status == .ok)
            #expect(full.json["would_be_accepted"] as? Bool == false)
            #expect(full.json["offered_vm"] is NSNull)
            let refusal = try #require(full.json["refusal"] as? [String: Any])
            #expect(refusal["code"] as? String == "pool_exhausted")
            #expect(refusal["status"] as? Int == 503)
            let capacity = try #require((full.json["admission"] as? [String: Any])?["capacity"] as? [String: Any])
            #expect(capacity["has_room"] as? Bool == false)
            #expect(capacity["plan_slots"] as? Int == 2)
            #expect(capacity["occupied_for_plan"] as? Int == 2)
        }
    }

    /// Dry runs interleaved with real orders for the last VMs of a pool: every VM goes to a real
    /// order, none is ever claimed by a dry run, and only real orders are stored.
    @Test func aDryRunNeverClaimsAVMUnderConcurrentRealOrders() async throws {
        try await PoolHost.run(PoolHost.vms(10), .ahc(.http)) { host, client in
            enum Answer: Sendable {
                case real(status: Int, vmID: String?)
                case dry(status: Int, offered: String?)
            }
            // A connection per request: 60 at once outwait the test client's pool on a loaded machine.
            let port = try #require(client.port)
            let answers = try await BurstClient.run(port: port, connections: 60) { burst in
                try await withThrowingTaskGroup(of: Answer.self) { group in
                    for index in 0..<60 {
                        group.addTask {
                            let body = #"{"user_id":"user-\#(index)","plan":"trial"}"#
                            if index % 3 == 0 {
                                let response = try await burst.post("/v1/vm", json: body, headers: host.serviceAuth)
                                return .real(status: response.status, vmID: try response.json()["vm_id"] as? String)
                            }
                            let response = try await burst.post(
                                "/v1/vm?dry_run=true", json: body, headers: host.serviceAuth)
                            let offered = (try response.json()["offered_vm"] as? [String: Any])?["vm_id"] as? String
                            return .dry(status: response.status, offered: offered)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            var accepted: [String] = []
            for answer in answers {
                switch answer {
                case .real(let status, let vmID):
                    #expect([202, 503].contains(status))
                    if status == 202, let vmID { accepted.append(vmID) }
                case .dry(let status, let offered):
                    #expect(status == 200)
                    if let offered { #expect(offered.hasPrefix("vm-")) }
                }
            }
            #expect(accepted.count == 10)
            for id in accepted {
                let status = try await client.waitForState(id, in: ["provisioned", "failed", "rolled_back"])
                #expect(status["launch_proof_status"] as? String == "provisioned", "order \(id)")
            }
            let claims = try await host.store.resourceClaims(namespace: "pool")
            #expect(claims.count == 10)
            #expect(Set(claims.map(\.allocationID)) == Set(accepted))
            let stored = try await host.store.allocations(
                matching: AllocationFilter(includeDeleted: true), limit: 1000, offset: 0)
            #expect(Set(stored.map(\.id)) == Set(accepted))
        }
    }
}
