import Foundation
import HTTPTypes
import Host
import Hummingbird
import HummingbirdTesting
import NIOHTTP1
import PoolProvisioner
import ProvisionerAPI
import SimulatedProvisioner
import Testing

/// "Admission reserves" (DESIGN.md section 8) over the real HTTP API: an accepted order holds a
/// slot of the backend's capacity, so when it runs out the next order is refused at order time,
/// never rolled back after it was accepted (or paid).
@Suite(.timeLimit(.minutes(2)))
struct AdmissionReservationTests {
    /// One answer to `POST /v1/vm`.
    struct Answer: Sendable {
        var status: Int
        var vmID: String?
        var errorCode: String?
        var hasRetryAfter: Bool
    }

    /// Sends `count` orders for `plan` at once, one user each.
    ///
    /// Over a real socket they go through a ``BurstClient``: a connection per order.
    static func orderConcurrently(
        _ count: Int, plan: String, client: any TestClientProtocol, headers: HTTPFields
    ) async throws -> [Answer] {
        guard let port = client.port else {
            return try await withThrowingTaskGroup(of: Answer.self) { group in
                for index in 0..<count {
                    group.addTask {
                        let response = try await client.post(
                            "/v1/vm", json: Self.orderBody(index, plan: plan), headers: headers)
                        return Answer(
                            status: Int(response.status.code), vmID: try response.json()["vm_id"] as? String,
                            errorCode: try response.errorCode(), hasRetryAfter: response.headers[.retryAfter] != nil)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        return try await BurstClient.run(port: port, connections: count) { burst in
            try await withThrowingTaskGroup(of: Answer.self) { group in
                for index in 0..<count {
                    group.addTask {
                        let response = try await burst.post(
                            "/v1/vm", json: Self.orderBody(index, plan: plan), headers: headers)
                        let json = try response.json()
                        return Answer(
                            status: response.status, vmID: json["vm_id"] as? String,
                            errorCode: (json["error"] as? [String: Any])?["code"] as? String,
                            hasRetryAfter: response.headers.contains(name: "Retry-After"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
    }

    static func orderBody(_ index: Int, plan: String) -> String {
        #"{"user_id":"user-\#(index)","plan":"\#(plan)"}"#
    }

    /// The defect: 80 concurrent trial orders on a pool of 40 VMs were all accepted, and 40 were
    /// rolled back later with `pool_exhausted`.
    @Test func eightyConcurrentTrialOrdersOnFortyPoolVMsAcceptFortyAndRefuseFortyAtOrderTime() async throws {
        try await PoolHost.run(PoolHost.vms(40), .ahc(.http)) { host, client in
            let answers = try await Self.orderConcurrently(80, plan: "trial", client: client, headers: host.serviceAuth)
            let accepted = answers.filter { $0.status == 202 }.compactMap(\.vmID)
            let refused = answers.filter { $0.status == 503 }
            #expect(accepted.count == 40)
            #expect(refused.count == 40)
            #expect(refused.allSatisfy { $0.errorCode == "pool_exhausted" && $0.hasRetryAfter })
            #expect(answers.count == accepted.count + refused.count)

            // Every accepted order is provisioned: none is rolled back or failed for want of a VM.
            for id in accepted {
                let status = try await client.waitForState(
                    id, in: ["provisioned", "degraded", "failed", "rolled_back", "released"])
                #expect(status["launch_proof_status"] as? String == "provisioned", "order \(id)")
            }
            #expect(try await host.store.allocationCountsByState() == [.provisioned: 40])
            let claims = try await host.store.resourceClaims(namespace: "pool")
            #expect(Set(claims.map(\.resource)).count == 40)
            #expect(Set(claims.map(\.allocationID)) == Set(accepted))
        }
    }

    @Test func anIdempotentReplayIsAnsweredWhenThePoolIsFull() async throws {
        try await PoolHost.run(PoolHost.vms(1)) { host, client in
            var headers = host.serviceAuth
            headers[HTTPField.Name("Idempotency-Key")!] = "order-1"
            let body = #"{"user_id":"u1","plan":"trial"}"#
            let first = try await client.post("/v1/vm", json: body, headers: headers)
            #expect(first.status == .accepted)
            let id = try #require(try first.json()["vm_id"] as? String)

            let other = try await client.post(
                "/v1/vm", json: #"{"user_id":"u2","plan":"trial"}"#, headers: host.serviceAuth)
            #expect(other.status == .serviceUnavailable)
            #expect(try other.errorCode() == "pool_exhausted")

            let replay = try await client.post("/v1/vm", json: body, headers: headers)
            #expect(replay.status == .accepted)
            #expect(replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try replay.json()["vm_id"] as? String == id)
            #expect(try await host.store.allocations(userID: "u2").isEmpty)
        }
    }

    @Test func aReleaseBeforePaymentGivesTheSlotBack() async throws {
        try await PoolHost.run(PoolHost.vms(1)) { host, client in
            let paid = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"small"}"#, headers: host.serviceAuth)
            #expect(paid.status == .accepted)
            let id = try #require(try paid.json()["vm_id"] as? String)
            // Unpaid, within its payment window: it holds the only VM.
            let refused = try await client.post(
                "/v1/vm", json: #"{"user_id":"u2","plan":"trial"}"#, headers: host.serviceAuth)
            #expect(refused.status == .serviceUnavailable)
            #expect(try refused.errorCode() == "pool_exhausted")

            let released = try await client.execute(uri: "/v1/vm/\(id)", method: .delete, headers: host.serviceAuth)
            #expect(released.status.code < 300)
            let next = try await client.post(
                "/v1/vm", json: #"{"user_id":"u2","plan":"trial"}"#, headers: host.serviceAuth)
            #expect(next.status == .accepted)
        }
    }

    @Test func aSimulatedBackendWithACapacityReservesItAsCapacityUnavailable() async throws {
        try await TestHost.run(simulated: .init(provisionDelayMilliseconds: 0, capacity: 3)) { host, client in
            let answers = try await Self.orderConcurrently(8, plan: "small", client: client, headers: host.serviceAuth)
            let accepted = answers.filter { $0.status == 202 }
            let refused = answers.filter { $0.status == 503 }
            #expect(accepted.count == 3)
            #expect(refused.count == 5)
            #expect(refused.allSatisfy { $0.errorCode == "capacity_unavailable" && $0.hasRetryAfter })
        }
    }
}
