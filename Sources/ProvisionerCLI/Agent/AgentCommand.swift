import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging

/// `provisioner agent --server URL --host-id ID [--once]`: reports this host's figures to a
/// Provisioner (DESIGN.md section 10), with the key from `PROVISIONER_HOST_KEY`.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Report this host's load, memory, disk and uptime to a Provisioner, every poll interval it returns.",
        discussion: "The host's API key (from POST /admin/hosts) is read from $PROVISIONER_HOST_KEY.")

    /// The env var holding the host's API key.
    static let keyEnvironmentVariable = "PROVISIONER_HOST_KEY"

    @Option(help: "The Provisioner's base URL, e.g. http://127.0.0.1:8080.")
    var server: String

    @Option(name: .customLong("host-id"), help: "The host id minted by POST /admin/hosts.")
    var hostID: String

    @Flag(help: "Post one report and exit: 0 when accepted, 1 when refused or unreachable.")
    var once = false

    func validate() throws {
        guard server.hasPrefix("http://") || server.hasPrefix("https://") else {
            throw ValidationError("--server must be an http:// or https:// URL, not '\(server)'")
        }
        guard !hostID.isEmpty else { throw ValidationError("--host-id must not be empty") }
    }

    func run() async throws {
        guard let key = ProcessInfo.processInfo.environment[Self.keyEnvironmentVariable], !key.isEmpty else {
            FileHandle.standardError.write(
                Data("error: \(Self.keyEnvironmentVariable) is not set; set it to the host's API key\n".utf8))
            throw ExitCode(2)
        }
        var logger = Logger(label: "provisioner.agent")
        logger.logLevel =
            ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let agent = HostAgent(server: server, hostID: hostID, apiKey: key)
        guard once else {
            try await agent.run(logger: logger)
            return
        }
        do {
            switch try await agent.post(await HostFigures.read()) {
            case .accepted(let interval, let blocked):
                print("report accepted: poll_interval_seconds \(interval), blocked \(blocked)")
            case .refused(let status, let code, let message):
                FileHandle.standardError.write(Data("error: report refused: \(status) \(code): \(message)\n".utf8))
                throw ExitCode.failure
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("error: could not post the report to \(server): \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
