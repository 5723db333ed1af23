import Host
import HummingbirdTesting
import PoolProvisioner
import ProvisionerAPI
import Testing

extension TestHost {
    /// Runs `body` against a host whose backend is a pool of `vms`, with claims and catalog in the
    /// host's store (as `serve` wires it) and launch checks off (pool test VMs answer nothing).
    static func runPool<T>(
        _ vms: [PoolVM],
        _ body: @escaping @Sendable (TestHost, PoolAssignmentProvisioner, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await run(
            configure: {
                $0.provisioner.backend = PoolAssignmentProvisioner.kind
                $0.launchProof.dnsAAAAEnabled = false
                $0.launchProof.sshSmokeEnabled = false
            },
            backendOverStore: { store in
                PoolAssignmentProvisioner(
                    configuration: PoolAssignmentProvisionerConfiguration(reuse: .immediate), vms: vms,
                    ledger: StoreClaimLedger(store: store, namespace: PoolAssignmentProvisioner.kind),
                    catalogStore: StoreCatalogStore(store: store, namespace: PoolAssignmentProvisioner.kind))
            }
        ) { host, client in
            let pool = try #require(host.dependencies.backend as? PoolAssignmentProvisioner)
            return try await body(host, pool, client)
        }
    }
}
