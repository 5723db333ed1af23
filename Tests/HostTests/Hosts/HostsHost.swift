import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PoolProvisioner
import ProvisionerAPI
import SimulatedProvisioner

@testable import Host

/// A Host built the way `serve` builds it, over an in-memory SQLite store, with an injected clock
/// for host health and, when `pool` VMs are given, the pool backend reading host health from the
/// same store and clock.
struct HostsHost {
    let dependencies: HostDependencies
    let store: SQLiteStore
    let clock: TestClock

    var adminAuth: HTTPFields { [.authorization: "Bearer \(TestHost.adminSecret)"] }
    var serviceAuth: HTTPFields { [.authorization: "Bearer \(TestHost.serviceToken)"] }

    /// The dead-man's switch over this host's store and clock.
    var checker: HostHealthChecker { dependencies.hostHealthChecker }

    static func run<T>(
        _ setup: TestingSetup = .router, pool vms: [PoolVM]? = nil, globalKey: String? = nil,
        configure: (inout HostConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (HostsHost, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        var configuration = HostConfiguration.hermeticForTests()
        configuration.hosts.staleAfterSeconds = 30
        configuration.hosts.downAfterSeconds = 60
        configuration.launchProof.dnsAAAAEnabled = false
        configuration.launchProof.sshSmokeEnabled = false
        if vms != nil { configuration.provisioner.backend = PoolAssignmentProvisioner.kind }
        configure(&configuration)
        let store = try SQLiteStore(path: ":memory:")
        try await store.migrate()
        let clock = TestClock()
        let backend: any Provisioner
        if let vms {
            backend = PoolAssignmentProvisioner(
                configuration: .init(reuse: .immediate), vms: vms,
                ledger: StoreClaimLedger(store: store, namespace: PoolAssignmentProvisioner.kind),
                catalogStore: StoreCatalogStore(store: store, namespace: PoolAssignmentProvisioner.kind),
                hostAvailability: StoreHostAvailability(
                    store: store, configuration: configuration.hosts, now: { clock.now }))
        } else {
            backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0))
        }
        var logger = Logger(label: "test.hosts")
        logger.logLevel = .warning
        var dependencies = HostDependencies(
            configuration: configuration, store: store, backend: backend, serviceToken: TestHost.serviceToken,
            adminSecret: TestHost.adminSecret, dashboardSecret: TestHost.dashboardSecret, logger: logger)
        dependencies.now = { clock.now }
        dependencies.hostGlobalKey = globalKey
        let host = HostsHost(dependencies: dependencies, store: store, clock: clock)
        let result = try await buildRouterApplication(dependencies).test(setup) { client in
            try await body(host, client)
        }
        try await store.close()
        return result
    }

    /// The router and server only: the background services (worker, reconcile, the checker) are
    /// not run, so a test drives the checker itself with its clock.
    private static func buildRouterApplication(_ dependencies: HostDependencies) -> some ApplicationProtocol {
        Application(
            router: buildRouter(dependencies),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "provisioner"),
            logger: dependencies.logger)
    }

    /// Stores a host with a known key (the fixture's `fra1-0a1b2c3d`), as minting would.
    @discardableResult
    func seedHost(_ id: String = "fra1-0a1b2c3d", key: String = HostsHost.fixtureKey) async throws -> HostRecord {
        let record = HostRecord(
            hostID: id, label: String(id.prefix(while: { $0 != "-" })), owner: "ops", keyHash: HostKey.hash(key),
            now: clock.now)
        _ = try await store.insertHost(
            record,
            audit: AuditEvent(
                at: clock.now, kind: "host.minted", allocationID: nil, userID: nil, actor: "test", requestID: nil))
        return record
    }

    static let fixtureKey = String(repeating: "ab", count: 32)

    /// The golden fixture's bytes.
    static func fixture() throws -> String {
        try String(
            contentsOf: packageRoot.appendingPathComponent("Tests/Fixtures/host-report.golden.json"), encoding: .utf8)
    }

    /// A minimal valid report for `hostID`.
    static func report(_ hostID: String, guests: String = "[]") -> String {
        """
        {"host_id":"\(hostID)","reported_at":"2026-11-27T10:00:00Z","agent_version":"t/1",\
        "host":{"hostname":"h","cpu_percent":1},"guests":\(guests)}
        """
    }
}

extension TestClientProtocol {
    /// POSTs a report with `key` as the bearer.
    func report(_ body: String, key: String?) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[.authorization] = "Bearer \(key)" }
        return try await execute(
            uri: "/v1/host-report", method: .post, headers: headers, body: ByteBuffer(string: body))
    }
}
