public import Logging
import PoolProvisioner
public import ProvisionerAPI
import SimulatedProvisioner

/// The backend plugins this build links: the one list to extend when a backend is added.
public enum LinkedBackends {
    /// The registry of linked plugins.
    public static let registry = BackendRegistry([
        SimulatedProvisioner.plugin,
        PoolAssignmentProvisioner.plugin,
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
            context.claims = StoreClaimLedger(store: store, namespace: selection.backend)
            context.catalog = StoreCatalogStore(store: store, namespace: selection.backend)
        } else {
            context.claims = UnopenedClaimLedger()
            context.catalog = UnopenedClaimLedger()
        }
        let backend = try registry.makeBackend(
            kind: selection.backend, kindNode: selection.backendNode, config: selection.backendNodes[selection.backend],
            context: context)
        if selection.requireReal, backend.isDemo {
            throw ConfigError(
                node: selection.requireRealNode ?? selection.backendNode,
                message:
                    "provisioner.require_real is true, but backend '\(backend.name)' is a demo that creates nothing real"
            )
        }
        return backend
    }
}
