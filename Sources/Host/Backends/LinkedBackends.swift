public import Logging
import PoolProvisioner
public import ProvisionerAPI
import SimulatedProvisioner
import XCPNGProvisioner

/// The backend plugins this build links: the one list to extend when a backend is added.
public enum LinkedBackends {
    /// The registry of linked plugins.
    public static let registry = BackendRegistry([
        SimulatedProvisioner.plugin,
        PoolAssignmentProvisioner.plugin,
        // Real XCP-ng only with HCP_LAUNCH_PROOF_REAL_XCPNG=1; otherwise the simulated demo stands in.
        XCPNGProvisioner.plugin(demoFallback: { _ in SimulatedProvisioner(configuration: .init()) }),
    ])

    /// Builds the configured backend, enforcing `provisioner.require_real`.
    ///
    /// - Parameters:
    ///   - store: Backs the plugin's claim ledger and catalog; `nil` (check-config) gives a ledger
    ///     that fails on use.
    /// - Throws: ``ConfigError`` when the backend's config is bad, or when a real backend is
    ///   required and the configured one is a demo.
    public static func makeBackend(
        _ configuration: HostConfiguration, environment: [String: String], logger: Logger, store: (any Store)? = nil
    ) throws -> any Provisioner {
        let selection = configuration.provisioner
        var context = BackendContext(logger: logger, environment: environment, dataDirectory: "data")
        if let store {
            context.claims = StoreClaimLedger(store: store, namespace: selection.backend, logger: logger)
            context.catalog = StoreCatalogStore(store: store, namespace: selection.backend)
            context.hostAvailability = StoreHostAvailability(store: store, configuration: configuration.hosts)
        } else {
            context.claims = UnopenedClaimLedger()
            context.catalog = UnopenedClaimLedger()
        }
        let backend = try registry.makeBackend(
            kind: selection.backend, kindNode: selection.backendNode, config: selection.backendNodes[selection.backend],
            context: context)
        if selection.requireReal, backend.isDemo {
            var message =
                "provisioner.require_real is true, but backend '\(backend.name)' is a demo that creates nothing real"
            if selection.backend == XCPNGProvisioner.kind {
                message =
                    "provisioner.require_real is true, but backend '\(selection.backend)' runs the '\(backend.name)' "
                    + "demo: set \(XCPNGProvisioner.realInfraEnvironmentVariable)=1 to use real infrastructure"
            }
            throw ConfigError(node: selection.requireRealNode ?? selection.backendNode, message: message)
        }
        return backend
    }
}
