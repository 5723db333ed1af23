import ArgumentParser
import Foundation
import Host
import Hummingbird
import Logging
import Metrics
import Prometheus
import ProvisionerAPI

/// `provisioner serve`: runs the HTTP API and the provisioning worker until SIGTERM/SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the API server and the provisioning worker.")

    @Option(
        help: "The config file (default: $PROVISIONER_CONFIG, then config/provisioner.yaml, then the embedded default)."
    )
    var config: String?

    @Option(help: "Override server.host.")
    var host: String?

    @Option(help: "Override server.port (0 lets the OS choose).")
    var port: Int?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel =
                ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
        let logger = Logger(label: "provisioner")
        let environment = ProcessInfo.processInfo.environment
        let startup: Startup
        do {
            startup = try Startup.prepare(
                explicitConfig: config, host: host, port: port, environment: environment, logger: logger)
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(exitCodeBadConfig)
        } catch let error as StartupError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(error.exitCode)
        }
        // A store with background work (PostgreSQL's connection pool) runs for exactly this scope.
        try await withRunningStore(startup.dependencies.store) {
            try await Self.serve(startup, logger: logger)
        }
    }

    /// Migrates the store, runs the server and worker until they stop, then closes the store.
    private static func serve(_ startup: Startup, logger: Logger) async throws {
        do {
            try await startup.dependencies.store.migrate()
        } catch {
            FileHandle.standardError.write(Data("error: store: \(error)\n".utf8))
            throw ExitCode.failure
        }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: startup.dependencies.metrics.registry))
        let server = startup.dependencies.configuration.server
        // Crash recovery runs while the server answers; the worker and reconcile start after it.
        let recovery = startup.dependencies.startupRecovery { outcome in
            FileHandle.standardOutput.write(Data("recovery: \(outcome.report)\n".utf8))
            if outcome.resumedOps > 0 {
                FileHandle.standardOutput.write(Data("recovery: \(outcome.resumedOps) operator op(s) resumed\n".utf8))
            }
        }
        let app = buildApplication(startup.dependencies, recovery: recovery) { boundPort in
            logger.info("listening", metadata: ["url": "http://\(server.host):\(boundPort)"])
            FileHandle.standardOutput.write(Data("provisioner listening on http://\(server.host):\(boundPort)\n".utf8))
        }
        var serverError: (any Error)?
        do {
            try await app.runService()
        } catch {
            serverError = error
        }
        // The server and worker have stopped: give back what the backend holds, then close the store.
        if let backend = startup.dependencies.backend as? any ShutdownHandling {
            await backend.shutdown()
        }
        if let serverError {
            logger.error("server stopped with an error", metadata: ["error": "\(serverError)"])
            try? await startup.dependencies.store.close()
            throw ExitCode.failure
        }
        try await startup.dependencies.store.close()
        logger.info("stopped cleanly; store closed")
    }
}
