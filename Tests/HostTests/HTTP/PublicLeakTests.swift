import Foundation
import Host
import Hummingbird
import HummingbirdTesting
import Logging
import ProvisionerAPI
import SimulatedProvisioner
import Synchronization
import Testing

/// A backend whose every identifier and error text carries a marker, so a test can prove none of
/// it reaches a public response.
final class MarkedProvisioner: Provisioner {
    static let marker = "HV-OPAQUEREF-7731"
    let inner: SimulatedProvisioner
    private let failNext = Mutex(true)

    init(_ inner: SimulatedProvisioner) { self.inner = inner }

    var name: String { inner.name }
    var isDemo: Bool { inner.isDemo }

    func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
        let fail = failNext.withLock { value in
            defer { value = false }
            return value
        }
        if fail {
            throw ProvisionerError.backendRejected(
                "XAPI error on host \(Self.marker): SR_FULL OpaqueRef:\(Self.marker)")
        }
        var vm = try await inner.allocate(request, logger: logger)
        vm.backendRef = "OpaqueRef:\(Self.marker)"
        vm.attributes["host"] = Self.marker
        return vm
    }

    func release(_ allocation: VmAllocation, logger: Logger) async throws {
        try await inner.release(allocation, logger: logger)
    }

    func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus {
        VmStatus(powerState: try await inner.status(allocation, logger: logger).powerState, operatorDetail: Self.marker)
    }
}

@Suite(.timeLimit(.minutes(1)))
struct PublicLeakTests {
    @Test func noPublicResponseCarriesOperatorTextOrHypervisorIdentifiers() async throws {
        try await TestHost.run(wrap: { MarkedProvisioner($0) }) { host, client in
            // The first launch fails with a marked backend error, the second succeeds with a marked ref.
            let failed = try await client.post(
                "/v1/vm", json: #"{"user_id":"p1","plan":"trial"}"#, headers: host.serviceAuth)
            let failedID = try #require(try failed.json()["vm_id"] as? String)
            _ = try await client.waitForState(failedID, in: ["rolled_back", "failed"])
            let good = try await client.post(
                "/v1/vm", json: #"{"user_id":"p1","plan":"trial","hostname":"p1.example.com"}"#,
                headers: host.serviceAuth)
            let goodID = try #require(try good.json()["vm_id"] as? String)
            _ = try await client.waitForState(goodID, in: ["provisioned", "degraded"])

            // Operators do see it, on service routes.
            let full = try await client.execute(uri: "/v1/vm/\(failedID)", method: .get, headers: host.serviceAuth)
            #expect(full.bodyText.contains(MarkedProvisioner.marker))
            let goodFull = try await client.execute(uri: "/v1/vm/\(goodID)", method: .get, headers: host.serviceAuth)
            #expect(goodFull.bodyText.contains(MarkedProvisioner.marker))

            // Nobody else does.
            let publicRoutes = [
                "/v1/vm/\(failedID)/status", "/v1/vm/\(goodID)/status", "/v1/vm/nope/status", "/healthz", "/readyz",
                "/metrics", "/v2/unknown",
            ]
            for uri in publicRoutes {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(!response.bodyText.contains(MarkedProvisioner.marker), "\(uri) leaks the hypervisor marker")
                #expect(!response.bodyText.contains("XAPI"), "\(uri) leaks backend error text")
                #expect(!response.bodyText.contains("SR_FULL"), "\(uri) leaks a backend error code")
                #expect(!response.bodyText.contains("operator"), "\(uri) leaks operator fields")
                #expect(!response.bodyText.contains("p1.example.com") || uri.hasSuffix("/status") == false)
            }
            // Error envelopes on service routes carry safe text only, too.
            let retry = try await client.execute(
                uri: "/v1/vm/\(goodID)/retry", method: .post, headers: host.serviceAuth)
            #expect(!retry.bodyText.contains(MarkedProvisioner.marker))
        }
    }

    @Test(arguments: [
        ("paid", "paid"), ("pending", "payment_required"), ("failed", "payment_required"),
        ("cancelled", "payment_required"), ("expired", "payment_required"), ("refunded", "payment_required"),
    ])
    func paymentStatusInputsFailSafe(input: String, expected: String) async throws {
        try await TestHost.run { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"pay","plan":"small"}"#, headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            let response = try await client.post(
                "/v1/vm/\(id)/payment", json: #"{"status":"\#(input)"}"#, headers: host.serviceAuth)
            #expect(response.status == .ok)
            #expect(try response.json()["payment_status"] as? String == expected)
            let status = try await client.execute(uri: "/v1/vm/\(id)/status", method: .get).json()
            #expect(status["payment_status"] as? String == expected)
            if expected != "paid" {
                #expect(status["launch_proof_status"] as? String == "payment_required")
            }
        }
    }
}
