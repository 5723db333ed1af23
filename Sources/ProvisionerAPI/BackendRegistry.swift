public import Logging

/// What the Host hands a backend factory besides the backend's own config subtree.
public struct BackendContext: Sendable {
    /// The logger for start-up messages; backends receive a per-call logger afterwards.
    public var logger: Logger
    /// The process environment, for secrets referenced by env var name.
    public var environment: [String: String]
    /// A directory the backend may keep state files in.
    public var dataDirectory: String
    /// The durable record of which resource each allocation holds, scoped to this backend.
    /// The Host always provides one; `nil` only in tests that need none.
    public var claims: (any ClaimLedger)?
    /// Durable storage for this backend's catalog, shared by replicas. `nil` as for ``claims``.
    public var catalog: (any CatalogStore)?
    /// Which hosts may not receive new allocations; `nil` when the Host gave none (all may).
    public var hostAvailability: (any HostAvailability)? = nil

    /// Creates a context.
    public init(
        logger: Logger, environment: [String: String] = [:], dataDirectory: String = "data",
        claims: (any ClaimLedger)? = nil, catalog: (any CatalogStore)? = nil
    ) {
        self.logger = logger
        self.environment = environment
        self.dataDirectory = dataDirectory
        self.claims = claims
        self.catalog = catalog
    }
}

/// One backend plugin: its config name and the factory that builds it.
public struct BackendPlugin: Sendable {
    /// The name under `provisioner.backend` in config, and the config subtree key.
    public var kind: String
    /// Builds the backend from its config subtree (`nil` when the subtree is absent).
    public var make: @Sendable (_ config: ConfigNode?, _ context: BackendContext) throws -> any Provisioner

    /// Creates a plugin.
    public init(
        kind: String,
        make: @escaping @Sendable (_ config: ConfigNode?, _ context: BackendContext) throws -> any Provisioner
    ) {
        self.kind = kind
        self.make = make
    }
}

/// The plugins a Host links, looked up by the `provisioner.backend` config value.
///
/// A value, not a global: `main` builds it from the one list of linked plugins.
public struct BackendRegistry: Sendable {
    private var plugins: [String: BackendPlugin]

    /// Creates a registry. Later plugins with the same kind replace earlier ones.
    public init(_ plugins: [BackendPlugin]) {
        self.plugins = Dictionary(plugins.map { ($0.kind, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// The registered backend kinds, sorted.
    public var kinds: [String] { plugins.keys.sorted() }

    /// Whether a kind is registered.
    public func contains(_ kind: String) -> Bool { plugins[kind] != nil }

    /// Builds the backend named `kind`.
    ///
    /// - Parameters:
    ///   - kind: The backend kind, as written in config.
    ///   - kindNode: The config node holding the kind, for error locations.
    ///   - config: The backend's config subtree, if present.
    ///   - context: Logger, environment and data directory.
    /// - Throws: ``ConfigError`` naming the key when the kind is unknown or its config is bad.
    public func makeBackend(
        kind: String,
        kindNode: ConfigNode? = nil,
        config: ConfigNode?,
        context: BackendContext
    ) throws -> any Provisioner {
        guard let plugin = plugins[kind] else {
            var message = "unknown backend '\(kind)'; expected one of: \(kinds.joined(separator: ", "))"
            if let close = KeySuggestion.closest(to: kind, among: kinds) {
                message += "; did you mean '\(close)'?"
            }
            throw ConfigError(node: kindNode, message: message)
        }
        return try plugin.make(config, context)
    }
}
