import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// POSTs a released pool VM to the operator's deployer, which resets or wipes it.
struct PoolReleaseHookClient: Sendable {
    var hook: PoolAssignmentProvisionerConfiguration.ReleaseHook
    var token: String?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends one attempt; succeeds on any 2xx answer.
    func deliver(_ job: ReleaseHookJob, vm: PoolVM?) async throws {
        var request = HTTPClientRequest(url: hook.deployerURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        var body: [String: String] = ["event": "vm.released", "allocation_id": job.allocationID, "vm_id": job.vmID]
        if let vm {
            body["name"] = vm.name
            body["ipv4"] = vm.ipv4
            body["ipv6"] = vm.ipv6
            body["ssh_host"] = vm.sshHost
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        request.body = .bytes(ByteBuffer(bytes: try encoder.encode(body)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(hook.timeoutSeconds)))
        _ = try await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status.code) else {
            throw Failure(description: "deployer answered \(response.status.code)")
        }
    }

    /// The wait before attempt `attempt + 1`: the initial backoff doubled per attempt, capped.
    func backoff(afterAttempt attempt: Int) -> Duration {
        let exponent = min(attempt - 1, 30)
        let milliseconds = min(hook.initialBackoffMilliseconds << exponent, hook.maxBackoffMilliseconds)
        return .milliseconds(milliseconds)
    }
}
