import ArgumentParser
import Foundation
import Host
import Hummingbird
import HummingbirdTesting
import Logging
import ProvisionerAPI
import SimulatedProvisioner
import Testing

@testable import ProvisionerCLI

/// A real server on a loopback port the OS chose, built the way `serve` builds it (SQLite in
/// memory, the simulated backend), for the client commands to talk to.
enum LiveServer {
    static let serviceToken = "cli-test-service-token-0123456789"
    static let adminSecret = "cli-test-admin-secret-0123456789"
    /// The environment a client command reads: both tokens under their default names.
    static let environment = [
        "PROVISIONER_SERVICE_TOKEN": serviceToken, "PROVISIONER_ADMIN_SECRET": adminSecret,
    ]

    /// Runs `body` with the server's base URL, then stops the server.
    static func run(
        simulated: SimulatedProvisionerConfiguration = .init(provisionDelayMilliseconds: 300, sshBannerListener: true),
        _ body: @escaping @Sendable (String) async throws -> Void
    ) async throws {
        var configuration = HostConfiguration()
        configuration.server.port = 0
        configuration.worker.pollIntervalMilliseconds = 50
        configuration.launchProof.dnsResolver = "static"
        configuration.launchProof.sshSmokeTimeoutSeconds = 2
        let store = try SQLiteStore(path: ":memory:")
        try await store.migrate()
        let backend = SimulatedProvisioner(configuration: simulated)
        var logger = Logger(label: "test.cli-server")
        logger.logLevel = .warning
        let dependencies = HostDependencies(
            configuration: configuration, store: store, backend: backend, serviceToken: serviceToken,
            adminSecret: adminSecret, logger: logger)
        try await buildApplication(dependencies).test(.live) { client in
            let port = try #require(client.port)
            try await body("http://127.0.0.1:\(port)")
        }
        await backend.shutdown()
        try await store.close()
    }
}

/// What a client command printed and how it exited.
struct CommandResult: Sendable {
    var exitCode: Int32
    var output: String
    var error: String
}

/// Parses `arguments` (with `--server server`) as the `provisioner` executable does and runs the
/// command with its output captured.
func runCommand(
    _ arguments: [String], server: String, environment: [String: String] = LiveServer.environment,
    terminal: Bool = false
) async throws -> CommandResult {
    let capture = CapturedOutput()
    var command = try ProvisionerCommand.parseAsRoot(arguments + ["--server", server])
    var exitCode: Int32 = 0
    do {
        try await ClientOptions.$environment.withValue(environment) {
            try await ConsoleOutput.$current.withValue(capture.console(terminal: terminal)) {
                guard var asyncCommand = command as? any AsyncParsableCommand else {
                    try command.run()
                    return
                }
                try await asyncCommand.run()
            }
        }
    } catch let exit as ExitCode {
        exitCode = exit.rawValue
    }
    return CommandResult(exitCode: exitCode, output: capture.output, error: capture.error)
}

/// The `vm_id` in a command's JSON output.
func vmID(in result: CommandResult) throws -> String {
    let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
    return try #require(object?["vm_id"] as? String, "no vm_id in: \(result.output)")
}
