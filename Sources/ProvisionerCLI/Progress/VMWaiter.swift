import Foundation
import Host

/// Polls a VM's service view (the public status without a service token) until a ``WaitGoal`` is reached, showing each look on a
/// ``ProgressDisplay``.
struct VMWaiter {
    let client: ProvisionerClient
    /// Time between looks.
    var interval: Duration = .milliseconds(200)
    /// How long to wait before giving up (exit 1).
    var timeout: Duration
    /// Failed looks in a row (server unreachable) before giving up.
    var toleratedFailures = 5

    /// Waits for `id` to reach `goal`.
    ///
    /// - Returns: The last service view's body (for `--output json`) and its snapshot.
    /// - Throws: ``ClientError/timedOut(_:)`` past ``timeout``; ``ServerError`` or ``ClientError``
    ///   when the server refuses or stays unreachable.
    func wait(for id: String, goal: WaitGoal, display: inout ProgressDisplay) async throws -> (
        body: Data, snapshot: VMProgressSnapshot
    ) {
        let clock = ContinuousClock()
        let start = clock.now
        var failures = 0
        while true {
            let response: ProvisionerClient.Response
            do {
                // The service view says when each check was measured; without the service token
                // (`vm status --watch` needs none) the public status has the rest.
                response = try await client.credentials.serviceToken == nil ? client.status(id) : client.show(id)
                failures = 0
            } catch let error as ClientError {
                guard case .unreachable = error, failures < toleratedFailures else { throw error }
                failures += 1
                try await Task.sleep(for: interval)
                continue
            }
            let snapshot = VMProgressSnapshot(try response.json())
            let elapsed = clock.now - start
            display.show(snapshot, elapsed: elapsed)
            if goal.isReached(snapshot) { return (response.body, snapshot) }
            guard elapsed < timeout else {
                throw ClientError.timedOut(
                    "gave up after \(ProgressRenderer.format(elapsed)): \(id) is still \(snapshot.state); "
                        + "`provisioner vm status \(id) --watch` keeps watching")
            }
            try await Task.sleep(for: interval)
        }
    }
}
