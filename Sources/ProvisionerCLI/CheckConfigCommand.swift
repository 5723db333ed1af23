import ArgumentParser
import Foundation
import Host
import Logging
import ProvisionerAPI

/// `provisioner check-config [FILE]`: validates a config without starting anything.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a config file (exit 0 when valid, 78 when not). Contacts no backend.")

    @Argument(
        help: "The config file (default: $PROVISIONER_CONFIG, then config/provisioner.yaml, then the embedded default)."
    )
    var file: String?

    func run() async throws {
        try check(environment: ProcessInfo.processInfo.environment)
    }

    /// Checks the config as `serve` would load it with `environment`, and says what it would run.
    func check(environment: [String: String]) throws {
        let source = ConfigSource.resolve(explicit: file, environment: environment) ?? ConfigLoader.embeddedSourceName
        do {
            let configuration = try ConfigSource.load(explicit: file, environment: environment)
            let backend = try LinkedBackends.makeBackend(
                configuration, environment: environment, logger: Logger(label: "provisioner.check-config"))
            let plans = configuration.plans.keys.sorted().joined(separator: ", ")
            let store = configuration.store.describe(environment: environment)
            let console = ConsoleOutput.current
            console.line(
                "OK \(source): backend \(backend.name)\(backend.isDemo ? " (demo)" : ""), store \(store.description), plans \(plans)"
            )
            if let problem = store.problem { console.errorLine("warning: \(problem)") }
        } catch let error as ConfigError {
            ConsoleOutput.current.errorLine("error: \(error)")
            throw ExitCode(exitCodeBadConfig)
        }
    }
}
