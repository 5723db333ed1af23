import FakeXAPI
import Foundation
import HTTPTypes
import Host
import HummingbirdTesting
import Testing
import XCPNGProvisioner

@Suite(.timeLimit(.minutes(2)))
struct XCPNGReadyzTests {
    /// `/readyz` reports the background probe: hammering it costs the pool master no call.
    @Test func hammeringReadyzMakesNoXAPICall() async throws {
        try await XCPNGHost.run(backend: { $0.probeIntervalSeconds = 3600 }) { _, client, fake, _ in
            let deadline = ContinuousClock.now + .seconds(30)
            while try await client.execute(uri: "/readyz", method: .get).status != .ok {
                guard ContinuousClock.now < deadline else { throw TestFailure("/readyz never turned ready") }
                try await Task.sleep(for: .milliseconds(20))
            }
            let before = fake.snapshot().callCounts
            #expect(before["pool.get_all"] == 1)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        for _ in 0..<50 {
                            let response = try await client.execute(uri: "/readyz", method: .get)
                            #expect(response.status == .ok)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(fake.snapshot().callCounts == before, "400 /readyz requests must not reach the pool master")
        }
    }

    @Test func readyzIsUnavailableWhileTheProbeFails() async throws {
        var options = FakeXAPIOptions(guestMetricsDelay: .milliseconds(30), startDuration: .milliseconds(20))
        options.faults = [FakeFault(method: "pool.get_all", error: ["HOST_OFFLINE", "h"])]
        try await XCPNGHost.run(fake: options, backend: { $0.probeIntervalSeconds = 3600 }) { _, client, fake, _ in
            let deadline = ContinuousClock.now + .seconds(30)
            while fake.snapshot().callCounts["pool.get_all", default: 0] < 7 {
                guard ContinuousClock.now < deadline else { throw TestFailure("the probe never ran") }
                try await Task.sleep(for: .milliseconds(20))
            }
            var status = try await client.execute(uri: "/readyz", method: .get)
            while status.status == .ok {  // the probe's retries may still be finishing
                guard ContinuousClock.now < deadline else { break }
                try await Task.sleep(for: .milliseconds(20))
                status = try await client.execute(uri: "/readyz", method: .get)
            }
            #expect(status.status == .serviceUnavailable)
            #expect(try status.errorCode() == "backend_unavailable")
        }
    }
}
