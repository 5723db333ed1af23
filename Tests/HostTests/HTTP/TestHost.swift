import Foundation
import Host
import Hummingbird
import HummingbirdTesting
import Logging
import ProvisionerAPI
import SimulatedProvisioner

/// A Host built the way `serve` builds it, over an in-memory SQLite store and a simulated backend.
struct TestHost {
    static let serviceToken = "test-service-token-0123456789"
    static let adminSecret = "test-admin-secret-0123456789"
    static let dashboardSecret = "test-dashboard-secret-0123456789"

    let dependencies: HostDependencies
    let backend: SimulatedProvisioner

    var serviceAuth: HTTPFields { [.authorization: "Bearer \(Self.serviceToken)"] }
    var adminAuth: HTTPFields { [.authorization: "Bearer \(Self.adminSecret)"] }

    /// Builds a host, migrates its store, runs `body` against the app with `setup`, closes the store.
    static func run<T>(
        _ setup: TestingSetup = .router,
        simulated: SimulatedProvisionerConfiguration = .init(provisionDelayMilliseconds: 0, sshBannerListener: true),
        configure: (inout HostConfiguration) -> Void = { _ in },
        wrap: (SimulatedProvisioner) -> any Provisioner = { $0 },
        backendOverStore: ((any Store) -> any Provisioner)? = nil,
        _ body: @escaping @Sendable (TestHost, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        var configuration = HostConfiguration.hermeticForTests()
        configure(&configuration)
        let store = try SQLiteStore(path: ":memory:")
        try await store.migrate()
        let backend = SimulatedProvisioner(configuration: simulated)
        var logger = Logger(label: "test.host")
        logger.logLevel = .warning
        let dependencies = HostDependencies(
            configuration: configuration, store: store, backend: backendOverStore?(store) ?? wrap(backend),
            serviceToken: serviceToken, adminSecret: adminSecret, dashboardSecret: dashboardSecret, logger: logger)
        let host = TestHost(dependencies: dependencies, backend: backend)
        let app = buildApplication(dependencies)
        let result = try await app.test(setup) { client in try await body(host, client) }
        await backend.shutdown()
        try await store.close()
        return result
    }
}

extension TestResponse {
    /// The body parsed as JSON.
    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
        guard let dictionary = object as? [String: Any] else {
            throw TestFailure("body is not a JSON object: \(bodyText)")
        }
        return dictionary
    }

    var bodyText: String { String(buffer: body) }

    /// The envelope's `error.code`.
    func errorCode() throws -> String? {
        (try json()["error"] as? [String: Any])?["code"] as? String
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension TestClientProtocol {
    /// POSTs a JSON string.
    func post(_ uri: String, json: String, headers: HTTPFields) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    /// Polls the public status route until `launch_proof_status` is one of `states`, or fails at the deadline.
    func waitForState(_ id: String, in states: Set<String>, timeout: Duration = .seconds(20)) async throws -> [String:
        Any]
    {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let status = try await execute(uri: "/v1/vm/\(id)/status", method: .get).json()
            if let state = status["launch_proof_status"] as? String, states.contains(state) { return status }
            if clock.now > deadline {
                throw TestFailure("VM \(id) did not reach \(states.sorted()) in time; last status: \(status)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

extension HostConfiguration {
    /// The defaults with an OS-chosen port, a fast worker poll, and hermetic launch checks: a
    /// static resolver (no machine DNS) and a short SSH timeout for the simulated banner listener.
    static func hermeticForTests() -> HostConfiguration {
        var configuration = HostConfiguration()
        configuration.server.port = 0
        configuration.worker.pollIntervalMilliseconds = 50
        configuration.launchProof.dnsResolver = "static"
        configuration.launchProof.sshSmokeTimeoutSeconds = 2
        return configuration
    }
}
