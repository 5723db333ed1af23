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
        let environment = ProcessInfo.processInfo.environment
        let source = ConfigSource.resolve(explicit: file, environment: environment) ?? ConfigLoader.embeddedSourceName
        do {
            let configuration = try ConfigSource.load(explicit: file, environment: environment)
            let backend = try LinkedBackends.makeBackend(
                configuration, environment: environment, logger: Logger(label: "provisioner.check-config"))
            let plans = configuration.plans.keys.sorted().joined(separator: ", ")
            print(
                "OK \(source): backend \(backend.name)\(backend.isDemo ? " (demo)" : ""), store \(configuration.store.kind) \(configuration.store.path), plans \(plans)"
            )
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(exitCodeBadConfig)
        }
    }
}
