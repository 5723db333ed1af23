import Foundation
import Host
import Logging
import ProvisionerAPI

/// A start-up failure that is not a config syntax problem (secrets, store).
struct StartupError: Error {
    var message: String
    var exitCode: Int32
}

/// Everything `serve` prepares before it listens: config, backend, secrets, store.
struct Startup {
    var dependencies: HostDependencies

    static func prepare(
        explicitConfig: String?, host: String?, port: Int?, environment: [String: String], logger: Logger,
        templates: PageTemplates = .bundled
    ) throws -> Startup {
        // Before anything is opened: a page template that does not parse is a broken build.
        do {
            try templates.check()
        } catch {
            throw StartupError(message: "\(error); rebuild with a fixed template", exitCode: 1)
        }
        var configuration = try ConfigSource.load(explicit: explicitConfig, environment: environment)
        if let host { configuration.server.host = host }
        if let port {
            guard (0...65_535).contains(port) else {
                throw StartupError(message: "--port \(port) is not a port (0-65535)", exitCode: exitCodeBadConfig)
            }
            configuration.server.port = port
        }
        logger.info("config loaded", metadata: ["config.source": "\(configuration.source)"])
        let store = try makeStore(configuration.store, environment: environment, logger: logger)
        let backend = try LinkedBackends.makeBackend(
            configuration, environment: environment, logger: logger, store: store)
        if backend.isDemo {
            logger.warning(
                "DEMO BACKEND: '\(backend.name)' creates no real VMs; every response says is_demo: true")
        }
        let serviceToken = try secret(
            env: configuration.server.serviceTokenEnv, what: "service token", isDemo: backend.isDemo,
            environment: environment)
        let adminSecret = try secret(
            env: configuration.server.adminSecretEnv, what: "admin secret", isDemo: backend.isDemo,
            environment: environment)
        let dashboardSecret = try Self.dashboardSecret(
            env: configuration.server.dashboardSecretEnv, environment: environment, logger: logger)
        try SecretSeparation.check([
            (configuration.server.serviceTokenEnv, serviceToken), (configuration.server.adminSecretEnv, adminSecret),
            (configuration.server.dashboardSecretEnv, dashboardSecret),
        ])
        if let signers = configuration.gate.allowedSignersFile {
            do {
                _ = try AllowedSigners(contentsOf: signers)
            } catch {
                throw StartupError(message: "gate.allowed_signers_file: \(error)", exitCode: exitCodeBadConfig)
            }
        }
        var dependencies = HostDependencies(
            configuration: configuration, store: store, backend: backend, serviceToken: serviceToken,
            adminSecret: adminSecret, dashboardSecret: dashboardSecret, logger: logger)
        dependencies.hostGlobalKey = try hostGlobalKey(configuration.hosts, environment: environment)
        dependencies.templates = templates
        return Startup(dependencies: dependencies)
    }

    /// Opens the store `store.kind` selects. PostgreSQL connects lazily: `migrate()` reports an
    /// unreachable server or refused credentials.
    private static func makeStore(_ store: StoreConfiguration, environment: [String: String], logger: Logger) throws
        -> any Store
    {
        switch store.kind {
        case "postgres":
            guard let url = environment[store.urlEnv], !url.isEmpty else {
                throw StartupError(
                    message: "store.url_env names \(store.urlEnv), which is not set; set it to "
                        + "postgres://user:password@host:5432/database",
                    exitCode: exitCodeBadConfig)
            }
            do {
                return try PostgresStore(url: url, maxConnections: store.maxConnections, logger: logger)
            } catch {
                throw StartupError(message: "\(store.urlEnv): \(error)", exitCode: exitCodeBadConfig)
            }
        default:
            do {
                return try SQLiteStore(path: store.path, synchronous: store.synchronous)
            } catch {
                throw StartupError(message: "store: \(error)", exitCode: 1)
            }
        }
    }

    /// Reads a secret from its env var; with a demo backend a missing one is generated and
    /// printed once, with a real backend start-up is refused.
    private static func secret(env: String, what: String, isDemo: Bool, environment: [String: String]) throws -> String
    {
        if let value = environment[env], !value.isEmpty {
            guard value.count >= 16 else {
                throw StartupError(
                    message: "\(env) is set but shorter than 16 characters; use a long random \(what)",
                    exitCode: exitCodeBadConfig)
            }
            return value
        }
        guard isDemo else {
            throw StartupError(
                message: "\(env) is not set; a real backend needs a \(what) (set \(env) to a long random value)",
                exitCode: exitCodeBadConfig)
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        print("\(env) was not set; generated a \(what) for this demo run (shown once): \(token)")
        return token
    }

    /// Reads the global host-reporting key from `hosts.global_key_env`, when one is configured: it
    /// must then be set and at least 32 characters long.
    private static func hostGlobalKey(_ hosts: HostsConfiguration, environment: [String: String]) throws -> String? {
        guard let env = hosts.globalKeyEnv else { return nil }
        guard let value = environment[env], !value.isEmpty else {
            throw StartupError(
                message: "hosts.global_key_env names \(env), which is not set; set it or remove the key",
                exitCode: exitCodeBadConfig)
        }
        guard value.count >= 32 else {
            throw StartupError(
                message: "\(env) is set but shorter than 32 characters; use a long random global host key",
                exitCode: exitCodeBadConfig)
        }
        return value
    }

    /// Reads the dashboard link key from its env var. A missing one is not fatal, with any
    /// backend: a random per-process key is used and a warning says what that costs.
    private static func dashboardSecret(env: String, environment: [String: String], logger: Logger) throws -> String {
        if let value = environment[env], !value.isEmpty {
            guard value.count >= 16 else {
                throw StartupError(
                    message: "\(env) is set but shorter than 16 characters; use a long random dashboard secret",
                    exitCode: exitCodeBadConfig)
            }
            return value
        }
        logger.warning(
            "\(env) is not set; dashboard links are signed with a random per-process key, so they stop working on restart and are not accepted by other replicas"
        )
        return DashboardLinkSigner.randomSecret()
    }
}
