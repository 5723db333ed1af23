public import ArgumentParser
import Foundation

/// `provisioner`: the root command.
public struct ProvisionerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "provisioner",
        abstract: "Hands virtual machines to customers: an HTTP service over pluggable VM backends.",
        subcommands: [
            ServeCommand.self, CheckConfigCommand.self, VMCommand.self, PoolCommand.self, HostsCommand.self,
            OpsCommand.self,
            AgentCommand.self,
        ])

    public init() {}

    /// Parses the process arguments and runs the chosen command: the executable's whole `main`.
    /// A usage error exits 2 (DESIGN.md section 12), not ArgumentParser's 64.
    public static func runFromCommandLine() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(exitCodeUsage)
            }
            exit(withError: error)
        }
    }
}

/// The exit code for a bad config (`EX_CONFIG` from sysexits.h).
public let exitCodeBadConfig: Int32 = 78
