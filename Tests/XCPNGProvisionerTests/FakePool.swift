import FakeXAPI
import Logging
import ProvisionerAPI
import XCPNGProvisioner

/// Fake-pool options fast enough for tests: starts take 20 ms, the agent reports 30 ms later.
extension FakeXAPIOptions {
    static let fast = FakeXAPIOptions(guestMetricsDelay: .milliseconds(30), startDuration: .milliseconds(20))
}

let quietLogger = Logger(label: "test.xcpng", factory: { _ in SwiftLogNoOpLogHandler() })

/// A configuration pointing at a fake on `port`, polling fast.
func testConfiguration(port: Int, host: String = "127.0.0.1") -> XCPNGProvisionerConfiguration {
    XCPNGProvisionerConfiguration(
        url: XAPIEndpoint(scheme: "http", host: host, port: port), template: "debian-12-cloud", network: "pool-net",
        ipWaitTimeoutSeconds: 5, callTimeoutSeconds: 5, taskTimeoutSeconds: 10, pollIntervalMilliseconds: 5)
}

/// Serves a fake pool on a loopback port chosen by the OS and runs `body` with a backend
/// logged in to it; logs the backend out afterwards.
func withFakePool<T: Sendable>(
    _ options: FakeXAPIOptions = .fast,
    password: String = "secret",
    configure: (inout XCPNGProvisionerConfiguration) -> Void = { _ in },
    _ body: (XCPNGProvisioner, FakeXAPI) async throws -> T
) async throws -> T {
    let fake = FakeXAPI(options: options)
    return try await FakeXAPIServer.withRunning(fake) { port in
        var configuration = testConfiguration(port: port)
        configure(&configuration)
        let backend = XCPNGProvisioner(configuration: configuration, username: "root", password: password)
        do {
            let result = try await body(backend, fake)
            await backend.shutdown()
            return result
        } catch {
            await backend.shutdown()
            throw error
        }
    }
}

/// A request for `id` on a small plan.
func request(_ id: String, vcpus: Int = 2, memoryMiB: Int = 1024) -> AllocationRequest {
    AllocationRequest(
        allocationID: id, userID: "alice",
        plan: PlanSpec(name: "small", vcpus: vcpus, memoryMiB: memoryMiB, diskGiB: 10),
        hostname: "\(id).example.test", sshPublicKeys: ["ssh-ed25519 AAAAC3Nza alice@laptop"])
}
