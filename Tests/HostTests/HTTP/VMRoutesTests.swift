import Foundation
import HTTPTypes
import Host
import Hummingbird
import HummingbirdTesting
import SimulatedProvisioner
import Testing

@Suite(.timeLimit(.minutes(1)))
struct VMRoutesTests {
    @Test func createReturns202WithLocationAndTheOrder() async throws {
        try await TestHost.run { host, client in
            let response = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"small","hostname":"vm1.example.com"}"#,
                headers: host.serviceAuth)
            #expect(response.status == .accepted)
            let body = try response.json()
            let id = try #require(body["vm_id"] as? String)
            #expect(response.headers[.location] == "/v1/vm/\(id)")
            #expect(response.headers[HTTPField.Name("X-Request-ID")!] != nil)
            #expect(body["user_id"] as? String == "u1")
            #expect(body["plan"] as? String == "small")
            #expect(body["backend"] as? String == "simulated")
            #expect(body["is_demo"] as? Bool == true)
            #expect(body["launch_proof_status"] as? String == "payment_required")
            #expect(body["payment_status"] as? String == "payment_required")
        }
    }

    @Test func sameIdempotencyKeyAndBodyReturnsTheSameVM() async throws {
        try await TestHost.run { host, client in
            var headers = host.serviceAuth
            headers[HTTPField.Name("Idempotency-Key")!] = "order-42"
            let body = #"{"user_id":"u1","plan":"small"}"#
            let first = try await client.post("/v1/vm", json: body, headers: headers)
            let second = try await client.post("/v1/vm", json: body, headers: headers)
            #expect(first.status == .accepted)
            #expect(second.status == .accepted)
            #expect(try first.json()["vm_id"] as? String == second.json()["vm_id"] as? String)
            #expect(second.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let list = try await client.execute(uri: "/v1/users/u1/vms", method: .get, headers: host.serviceAuth).json()
            #expect((list["vms"] as? [Any])?.count == 1)
        }
    }

    @Test func sameIdempotencyKeyWithAnotherBodyIs409() async throws {
        try await TestHost.run { host, client in
            var headers = host.serviceAuth
            headers[HTTPField.Name("Idempotency-Key")!] = "order-43"
            _ = try await client.post("/v1/vm", json: #"{"user_id":"u1","plan":"small"}"#, headers: headers)
            let conflict = try await client.post("/v1/vm", json: #"{"user_id":"u1","plan":"trial"}"#, headers: headers)
            #expect(conflict.status == .conflict)
            #expect(try conflict.errorCode() == "idempotency_conflict")
        }
    }

    @Test(arguments: [
        (#"{"user_id":"u1","plan":"#, "not valid JSON"),
        (#"[1,2]"#, "must be a JSON object"),
        (#"{"user_id":"u1","plan":"small","colour":"red"}"#, "Unknown field 'colour'"),
        (#"{"user_id":7,"plan":"small"}"#, "Field 'user_id' must be a string"),
        (#"{"user_id":"u1","plan":"small","open_ports":["22"]}"#, "Field 'open_ports[0]' must be an integer"),
        (#"{"user_id":"u1","plan":"small","open_ports":[25]}"#, "open_ports[0] = 25 is blocked"),
        (#"{"plan":"small"}"#, "Field 'user_id' is required"),
        (#"{"user_id":"u1","plan":"huge"}"#, "plan 'huge' does not exist"),
        (#"{"user_id":"u1","plan":"small","ssh_keys":["not a key"]}"#, "ssh_keys[0]"),
    ])
    func badCreateBodiesAre400NamingTheProblem(body: String, expected: String) async throws {
        try await TestHost.run { host, client in
            let response = try await client.post("/v1/vm", json: body, headers: host.serviceAuth)
            #expect(response.status == .badRequest)
            let error = try #require(try response.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "invalid_request")
            #expect((error["message"] as? String)?.contains(expected) == true, "message: \(error["message"] ?? "")")
            #expect(error["retryable"] as? Bool == false)
            #expect(error["agent_action"] as? String != nil)
            #expect(error["request_id"] as? String != nil)
        }
    }

    @Test func missingAuthIs401AndWrongTokenIs403() async throws {
        try await TestHost.run { _, client in
            let missing = try await client.post("/v1/vm", json: #"{"user_id":"u1","plan":"small"}"#, headers: [:])
            #expect(missing.status == .unauthorized)
            #expect(try missing.errorCode() == "unauthorized")
            let wrong = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"small"}"#,
                headers: [.authorization: "Bearer \(TestHost.adminSecret)"])
            #expect(wrong.status == .forbidden)
            #expect(try wrong.errorCode() == "forbidden")
            for (uri, method) in [
                ("/v1/vm/x", HTTPRequest.Method.get), ("/v1/vm/x", .delete), ("/v1/users/u1/vms", .get),
                ("/v1/vm/x/payment", .post),
            ] {
                let response = try await client.execute(uri: uri, method: method)
                #expect(response.status == .unauthorized, "\(method) \(uri)")
            }
        }
    }

    @Test func unknownVMIs404AndUnknownRouteIs404Envelope() async throws {
        try await TestHost.run { host, client in
            let vm = try await client.execute(uri: "/v1/vm/vm-nope", method: .get, headers: host.serviceAuth)
            #expect(vm.status == .notFound)
            #expect(try vm.errorCode() == "not_found")
            let status = try await client.execute(uri: "/v1/vm/vm-nope/status", method: .get)
            #expect(status.status == .notFound)
            #expect(try status.errorCode() == "not_found")
            let route = try await client.execute(uri: "/v2/nothing", method: .get)
            #expect(route.status == .notFound)
            #expect(try route.errorCode() == "not_found")
        }
    }

    @Test func paidVMCapIs429() async throws {
        try await TestHost.run(configure: { $0.limits.maxPaidVMsPerUser = 2 }) { host, client in
            for _ in 0..<2 {
                let ok = try await client.post(
                    "/v1/vm", json: #"{"user_id":"capped","plan":"small"}"#, headers: host.serviceAuth)
                #expect(ok.status == .accepted)
            }
            let over = try await client.post(
                "/v1/vm", json: #"{"user_id":"capped","plan":"small"}"#, headers: host.serviceAuth)
            #expect(over.status == .tooManyRequests)
            #expect(try over.errorCode() == "quota_exceeded")
            let free = try await client.post(
                "/v1/vm", json: #"{"user_id":"capped","plan":"trial"}"#, headers: host.serviceAuth)
            #expect(free.status == .accepted)
        }
    }

    @Test func noCapacityIs503WithRetryAfter() async throws {
        try await TestHost.run(simulated: .init(provisionDelayMilliseconds: 0, capacity: 0)) { host, client in
            let response = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"small"}"#, headers: host.serviceAuth)
            #expect(response.status == .serviceUnavailable)
            #expect(try response.errorCode() == "capacity_unavailable")
            #expect(response.headers[.retryAfter] != nil)
        }
    }

    @Test func paymentValidationAndStates() async throws {
        try await TestHost.run { host, client in
            let trial = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"trial"}"#, headers: host.serviceAuth)
            let trialID = try #require(try trial.json()["vm_id"] as? String)
            let notNeeded = try await client.post(
                "/v1/vm/\(trialID)/payment", json: #"{"status":"paid"}"#, headers: host.serviceAuth)
            #expect(notNeeded.status == .conflict)
            #expect(try notNeeded.errorCode() == "state_conflict")

            let small = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"small"}"#, headers: host.serviceAuth)
            let id = try #require(try small.json()["vm_id"] as? String)
            let bogus = try await client.post(
                "/v1/vm/\(id)/payment", json: #"{"status":"maybe"}"#, headers: host.serviceAuth)
            #expect(bogus.status == .badRequest)
            let cancelled = try await client.post(
                "/v1/vm/\(id)/payment", json: #"{"status":"cancelled"}"#, headers: host.serviceAuth)
            #expect(cancelled.status == .ok)
            #expect(try cancelled.json()["payment_status"] as? String == "payment_required")
            let paid = try await client.post(
                "/v1/vm/\(id)/payment", json: #"{"status":"paid","reference":"inv-9"}"#, headers: host.serviceAuth)
            #expect(paid.status == .ok)
            #expect(try paid.json()["payment_status"] as? String == "paid")
            let unknown = try await client.post(
                "/v1/vm/vm-nope/payment", json: #"{"status":"paid"}"#, headers: host.serviceAuth)
            #expect(unknown.status == .notFound)
        }
    }

    @Test func publicStatusHasExactlyTheContractFields() async throws {
        try await TestHost.run { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"trial"}"#, headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            let status = try await client.waitForState(id, in: ["provisioned"])
            #expect(
                Set(status.keys) == [
                    "vm_id", "launch_proof_status", "payment_status", "dns_aaaa_verified", "ssh_smoke_status",
                    "rollback_available", "customer_message", "is_demo", "updated_at",
                ])
            // No hostname was ordered, so there is no AAAA record to check; the SSH banner was measured.
            #expect(status["dns_aaaa_verified"] as? String == "not_run")
            #expect(status["ssh_smoke_status"] as? String == "passed")
            #expect(status["payment_status"] as? String == "not_required")
        }
    }

    @Test func aFailedLaunchCheckGivesDegradedWithSafeTextAndMeasuredDetail() async throws {
        try await TestHost.run { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"trial","hostname":"unresolved.example.com"}"#,
                headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            let status = try await client.waitForState(id, in: ["degraded", "provisioned"])
            #expect(status["launch_proof_status"] as? String == "degraded")
            #expect(status["dns_aaaa_verified"] as? String == "failed")
            #expect(status["ssh_smoke_status"] as? String == "passed")
            let publicText = try await client.execute(uri: "/v1/vm/\(id)/status", method: .get).bodyText
            #expect(!publicText.contains("unresolved.example.com"))
            #expect(!publicText.contains("AAAA"))
            let full = try await client.execute(uri: "/v1/vm/\(id)", method: .get, headers: host.serviceAuth).json()
            #expect((full["operator_message"] as? String)?.contains("dns_aaaa failed") == true)
            #expect(full["dns_aaaa_checked_at"] is String)
            #expect(full["ssh_smoke_checked_at"] is String)
            #expect((full["dns_aaaa_detail"] as? String)?.contains("unresolved.example.com") == true)
            #expect((full["ssh_smoke_detail"] as? String)?.contains("SSH-2.0-") == true)
        }
    }

    @Test func disabledChecksStayNotRun() async throws {
        try await TestHost.run(configure: {
            $0.launchProof.dnsAAAAEnabled = false
            $0.launchProof.sshSmokeEnabled = false
        }) { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"trial","hostname":"x.example.com"}"#,
                headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            let status = try await client.waitForState(id, in: ["provisioned", "degraded"])
            #expect(status["launch_proof_status"] as? String == "provisioned")
            #expect(status["dns_aaaa_verified"] as? String == "not_run")
            #expect(status["ssh_smoke_status"] as? String == "not_run")
        }
    }

    @Test func publicStatusNeverCarriesOperatorText() async throws {
        try await TestHost.run(simulated: .init(provisionDelayMilliseconds: 0, failureRate: 1.0)) { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"trial"}"#, headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            _ = try await client.waitForState(id, in: ["failed", "rolled_back"])
            let full = try await client.execute(uri: "/v1/vm/\(id)", method: .get, headers: host.serviceAuth).json()
            let operatorText = try #require(full["operator_message"] as? String)
            #expect(operatorText.contains("simulated allocate failure"))
            let publicResponse = try await client.execute(uri: "/v1/vm/\(id)/status", method: .get)
            let text = publicResponse.bodyText
            #expect(!text.contains("simulated allocate failure"))
            #expect(!text.contains("operator"))
            #expect(!text.contains("backend_unavailable"))
            #expect(!text.contains("failure_rate"))
            #expect(try publicResponse.json()["rollback_available"] as? Bool == true)
        }
    }

    @Test func releaseBeforePaymentCancelsAtOnceAndIsIdempotent() async throws {
        try await TestHost.run { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"u1","plan":"small"}"#, headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            for _ in 0..<2 {
                let released = try await client.execute(uri: "/v1/vm/\(id)", method: .delete, headers: host.serviceAuth)
                #expect(released.status == .ok)
                #expect(try released.json()["launch_proof_status"] as? String == "released")
            }
            #expect(host.backend.liveCount == 0)
        }
    }
}
