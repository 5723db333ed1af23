import Foundation
import Host
import Hummingbird
import HummingbirdTesting
import Logging
import PoolProvisioner
import ProvisionerAPI

/// A Host built the way `serve` builds it, over a SQLite store and the pool backend whose claims
/// and catalog live in that same store.
struct PoolHost {
    let dependencies: HostDependencies
    let pool: PoolAssignmentProvisioner
    let store: SQLiteStore

    var serviceAuth: HTTPFields { [.authorization: "Bearer \(TestHost.serviceToken)"] }
    var adminAuth: HTTPFields { [.authorization: "Bearer \(TestHost.adminSecret)"] }

    /// A pool backend over `store`'s claim ledger and catalog.
    static func pool(
        _ vms: [PoolVM], store: any Store, reuse: PoolAssignmentProvisionerConfiguration.Reuse = .immediate
    ) -> PoolAssignmentProvisioner {
        PoolAssignmentProvisioner(
            configuration: .init(reuse: reuse), vms: vms, ledger: StoreClaimLedger(store: store, namespace: "pool"),
            catalogStore: StoreCatalogStore(store: store, namespace: "pool"))
    }

    /// `count` available VMs `vm-0`... with a cockpit URL each.
    static func vms(_ count: Int) -> [PoolVM] {
        (0..<count).map {
            PoolVM(id: "vm-\($0)", ipv6: "2001:db8::\($0 + 1)", cockpitURL: "https://vm-\($0).example:9090")
        }
    }

    /// Builds the host over an in-memory store, runs `body` against the app, closes the store.
    static func run<T>(
        _ vms: [PoolVM], _ setup: TestingSetup = .router,
        _ body: @escaping @Sendable (PoolHost, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        var configuration = HostConfiguration.hermeticForTests()
        configuration.provisioner.backend = "pool"
        configuration.launchProof.sshSmokeEnabled = false
        let store = try SQLiteStore(path: ":memory:")
        try await store.migrate()
        let pool = Self.pool(vms, store: store)
        var logger = Logger(label: "test.pool-host")
        logger.logLevel = .warning
        let dependencies = HostDependencies(
            configuration: configuration, store: store, backend: pool, serviceToken: TestHost.serviceToken,
            adminSecret: TestHost.adminSecret, logger: logger)
        let host = PoolHost(dependencies: dependencies, pool: pool, store: store)
        let result = try await buildApplication(dependencies).test(setup) { client in try await body(host, client) }
        try await store.close()
        return result
    }
}
