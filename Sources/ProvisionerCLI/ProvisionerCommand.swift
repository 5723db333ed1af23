public import ArgumentParser

/// `provisioner`: the root command.
public struct ProvisionerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "provisioner",
        abstract: "Hands virtual machines to customers: an HTTP service over pluggable VM backends.",
        subcommands: [ServeCommand.self, CheckConfigCommand.self, OpsCommand.self])

    public init() {}

    /// Parses the process arguments and runs the chosen command: the executable's whole `main`.
    public static func runFromCommandLine() async { await main() }
}

/// The exit code for a bad config (`EX_CONFIG` from sysexits.h).
public let exitCodeBadConfig: Int32 = 78
