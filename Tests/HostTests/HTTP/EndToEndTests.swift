import AsyncHTTPClient
import Foundation
import Host
import Logging
import NIOCore
import NIOHTTP1
import ProvisionerAPI
import ServiceLifecycle
import SimulatedProvisioner
import Testing

/// Starts the real server on an OS-chosen loopback port, exactly as `serve` does, and drives it
/// with AsyncHTTPClient over TCP.
@Suite(.timeLimit(.minutes(1)))
struct EndToEndTests {
    @Test func createPayProvisionReleaseOverHTTP() async throws {
        try await withRunningServer { baseURL, backend in
            let auth = ("Authorization", "Bearer \(TestHost.serviceToken)")
            let created = try await send(
                "POST", "\(baseURL)/v1/vm", body: #"{"user_id":"e2e","plan":"small","hostname":"e2e.example.com"}"#,
                headers: [auth, ("Idempotency-Key", "e2e-1")])
            #expect(created.status == 202)
            let id = try #require(created.json["vm_id"] as? String)
            #expect(created.json["launch_proof_status"] as? String == "payment_required")

            let paid = try await send(
                "POST", "\(baseURL)/v1/vm/\(id)/payment", body: #"{"status":"paid","reference":"inv-1"}"#,
                headers: [auth])
            #expect(paid.status == 200)

            let provisioned = try await waitFor(baseURL, id, state: "provisioned")
            #expect(provisioned["payment_status"] as? String == "paid")
            #expect(provisioned["dns_aaaa_verified"] as? String == "passed")
            #expect(provisioned["ssh_smoke_status"] as? String == "passed")
            #expect(backend.liveCount == 1)

            let full = try await send("GET", "\(baseURL)/v1/vm/\(id)", headers: [auth])
            #expect((full.json["ipv6"] as? String)?.hasPrefix("2001:db8:") == true)
            #expect((full.json["events"] as? [Any])?.isEmpty == false)

            let released = try await send("DELETE", "\(baseURL)/v1/vm/\(id)", headers: [auth])
            #expect([200, 202].contains(released.status))
            _ = try await waitFor(baseURL, id, state: "released")
            #expect(backend.liveCount == 0)

            let again = try await send("DELETE", "\(baseURL)/v1/vm/\(id)", headers: [auth])
            #expect(again.status == 200)
        }
    }

    @Test func oversizeBodyIs413WithEnvelope() async throws {
        try await withRunningServer(maxBodyBytes: 1024) { baseURL, _ in
            let big =
                #"{"user_id":"u1","plan":"small","metadata":{"x":""# + String(repeating: "a", count: 4096) + #""}}"#
            let response = try await send(
                "POST", "\(baseURL)/v1/vm", body: big, headers: [("Authorization", "Bearer \(TestHost.serviceToken)")])
            #expect(response.status == 413)
            #expect((response.json["error"] as? [String: Any])?["code"] as? String == "payload_too_large")
        }
    }

    // MARK: helpers

    struct HTTPResult {
        var status: Int
        var json: [String: Any]
    }

    private func withRunningServer(
        maxBodyBytes: Int = 1_048_576, _ body: @Sendable (String, SimulatedProvisioner) async throws -> Void
    ) async throws {
        var configuration = HostConfiguration.hermeticForTests()
        configuration.server.host = "127.0.0.1"
        configuration.server.maxBodyBytes = maxBodyBytes
        // The first VM of a fresh simulated backend is 2001:db8::1; the AAAA check is measured against it.
        configuration.launchProof.dnsStaticRecords = ["e2e.example.com": ["2001:db8::1"]]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("provisioner.sqlite").path)
        try await store.migrate()
        let backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 5, sshBannerListener: true))
        var logger = Logger(label: "e2e")
        logger.logLevel = .warning
        let dependencies = HostDependencies(
            configuration: configuration, store: store, backend: backend, serviceToken: TestHost.serviceToken,
            adminSecret: TestHost.adminSecret, logger: logger)
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(dependencies) { port in portContinuation.yield(port) }
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var ports = portStream.makeAsyncIterator()
            let port = try #require(await ports.next())
            do {
                try await body("http://127.0.0.1:\(port)", backend)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await backend.shutdown()
        try await store.close()
    }

    private func send(_ method: String, _ url: String, body: String? = nil, headers: [(String, String)] = [])
        async throws -> HTTPResult
    {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 10 * 1024 * 1024)
        let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
        return HTTPResult(status: Int(response.status.code), json: json)
    }

    private func waitFor(_ baseURL: String, _ id: String, state: String) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(20))
        while true {
            let status = try await send("GET", "\(baseURL)/v1/vm/\(id)/status")
            if status.json["launch_proof_status"] as? String == state { return status.json }
            if clock.now > deadline { throw TestFailure("VM \(id) never reached \(state): \(status.json)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
