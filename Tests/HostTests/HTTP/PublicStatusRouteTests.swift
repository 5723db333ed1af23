import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Host

/// `GET /v1/vm/{id}/status` served by the fast path answers as the public view always did.
@Suite(.timeLimit(.minutes(1)))
struct PublicStatusRouteTests {
    @Test func statusRouteAnswersTheViewsBytesAndHeadersOverHTTP() async throws {
        try await TestHost.run(.live) { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"reader","plan":"small"}"#, headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            for step in ["payment_required", "provisioned"] {
                if step == "provisioned" {
                    _ = try await client.post(
                        "/v1/vm/\(id)/payment", json: #"{"status":"paid"}"#, headers: host.serviceAuth)
                    _ = try await client.waitForState(id, in: ["provisioned"])
                }
                let response = try await client.execute(
                    uri: "/v1/vm/\(id)/status", method: .get, headers: [.requestID: "status-\(step)"])
                let record = try #require(try await host.dependencies.store.allocation(id: id))
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(response.headers[.requestID] == "status-\(step)")
                #expect(response.bodyText == AllocationViews.publicStatus(record).serialized)
                #expect(try response.json()["launch_proof_status"] as? String == step)
            }
            // Unknown ids, odd ids and a trailing segment: the same envelopes as before.
            for uri in ["/v1/vm/vm-nope/status", "/v1/vm/%22%3Cx%3E/status", "/v1/vm/\(id)x/status"] {
                let missing = try await client.execute(uri: uri, method: .get)
                #expect(missing.status == .notFound, "\(uri)")
                #expect(try missing.errorCode() == "not_found", "\(uri)")
                #expect(missing.headers[.requestID] != nil)
            }
            let wrongMethod = try await client.execute(uri: "/v1/vm/\(id)/status", method: .post)
            #expect(wrongMethod.status == .methodNotAllowed)
        }
    }
}
