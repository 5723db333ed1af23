import Foundation
import Host
import Hummingbird
import HummingbirdTesting
import Logging
import ProvisionerAPI
import SimulatedProvisioner
import Synchronization
import Testing

/// Fails the first `failures` allocations before anything is created, then delegates.
final class FailsFirstProvisioner: Provisioner {
    let inner: SimulatedProvisioner
    private let remainingFailures: Mutex<Int>

    init(_ inner: SimulatedProvisioner, failures: Int) {
        self.inner = inner
        self.remainingFailures = Mutex(failures)
    }

    var name: String { inner.name }
    var isDemo: Bool { inner.isDemo }

    func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
        let fail = remainingFailures.withLock { remaining -> Bool in
            guard remaining > 0 else { return false }
            remaining -= 1
            return true
        }
        if fail { throw ProvisionerError.backendUnavailable("injected failure before create (hypervisor-7f3a)") }
        return try await inner.allocate(request, logger: logger)
    }

    func release(_ allocation: VmAllocation, logger: Logger) async throws {
        try await inner.release(allocation, logger: logger)
    }

    func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus {
        try await inner.status(allocation, logger: logger)
    }
}

@Suite(.timeLimit(.minutes(1)))
struct RetryRouteTests {
    @Test func retryOfARolledBackLaunchProvisionsTheSameOrder() async throws {
        try await TestHost.run(wrap: { FailsFirstProvisioner($0, failures: 1) }) { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"r1","plan":"trial"}"#, headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            let failed = try await client.waitForState(id, in: ["rolled_back", "failed"])
            #expect(failed["launch_proof_status"] as? String == "rolled_back")
            #expect(failed["rollback_available"] as? Bool == true)
            #expect(
                !(try #require(String(data: JSONSerialization.data(withJSONObject: failed), encoding: .utf8)))
                    .contains("hypervisor-7f3a"))

            let retried = try await client.execute(uri: "/v1/vm/\(id)/retry", method: .post, headers: host.serviceAuth)
            #expect(retried.status == .ok)
            let body = try retried.json()
            #expect(body["vm_id"] as? String == id)
            #expect(body["launch_proof_status"] as? String == "provisioned")
            #expect(body["failure_code"] is NSNull)
            #expect(host.backend.liveCount == 1)

            let again = try await client.execute(uri: "/v1/vm/\(id)/retry", method: .post, headers: host.serviceAuth)
            #expect(again.status == .conflict)
            #expect(try again.errorCode() == "state_conflict")
        }
    }

    @Test func retryThatFailsAgainIs503ProvisionFailedWithBackoffAdvice() async throws {
        try await TestHost.run(wrap: { FailsFirstProvisioner($0, failures: 2) }) { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"r2","plan":"trial"}"#, headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            _ = try await client.waitForState(id, in: ["rolled_back"])
            let retried = try await client.execute(uri: "/v1/vm/\(id)/retry", method: .post, headers: host.serviceAuth)
            #expect(retried.status == .serviceUnavailable)
            let error = try #require(try retried.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "provision_failed")
            #expect(error["agent_action"] as? String == "retry with exponential backoff")
            #expect(!retried.bodyText.contains("hypervisor-7f3a"))
        }
    }

    @Test func retryOfAnUnpaidOrderIsAConflictAndOfAnUnknownVMIs404() async throws {
        try await TestHost.run { host, client in
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id":"r3","plan":"small"}"#, headers: host.serviceAuth)
            let id = try #require(try created.json()["vm_id"] as? String)
            let conflict = try await client.execute(uri: "/v1/vm/\(id)/retry", method: .post, headers: host.serviceAuth)
            #expect(conflict.status == .conflict)
            let missing = try await client.execute(
                uri: "/v1/vm/vm-nope/retry", method: .post, headers: host.serviceAuth)
            #expect(missing.status == .notFound)
            let unauthenticated = try await client.execute(uri: "/v1/vm/\(id)/retry", method: .post)
            #expect(unauthenticated.status == .unauthorized)
        }
    }
}
