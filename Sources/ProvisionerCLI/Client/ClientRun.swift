import ArgumentParser
import AsyncHTTPClient
import Foundation

/// Runs a client command's body and turns its outcome into the exit codes of DESIGN.md
/// section 12: 0 done, 1 error (the envelope's message and `agent_action` on standard error),
/// 2 usage, 3 the VM ended `failed` or `rolled_back`.
enum ClientRun {
    /// Runs `body` with a client for `options`; exits non-zero through `ExitCode`.
    static func execute(
        _ options: ClientOptions, _ body: (ProvisionerClient, ConsoleOutput) async throws -> Void
    ) async throws {
        let console = ConsoleOutput.current
        do {
            try await HTTPClient.withHTTPClient(configuration: ProvisionerClient.httpConfiguration) { httpClient in
                try await body(try options.makeClient(httpClient: httpClient), console)
            }
        } catch let error as ServerError {
            if options.output == .json, !error.body.isEmpty {
                console.line(String(decoding: error.body, as: UTF8.self))
            }
            console.errorLine("error: \(error)")
            if let action = error.agentAction { console.errorLine("agent_action: \(action)") }
            if let requestID = error.requestID { console.errorLine("request_id: \(requestID)") }
            throw ExitCode(1)
        } catch let error as ClientError {
            console.errorLine("error: \(error)")
            throw ExitCode(error.exitCode)
        } catch let outcome as VMEndedBadly {
            throw ExitCode(outcome.exitCode)
        }
    }
}

/// A waited-for VM ended `failed` or `rolled_back`: the command printed it and exits 3.
struct VMEndedBadly: Error {
    var state: String
    var exitCode: Int32 { exitCodeVMFailed }
}

/// The exit code for a usage error (a bad option, a missing token variable).
public let exitCodeUsage: Int32 = 2
/// The exit code when a VM a client command waited for ended `failed` or `rolled_back`.
public let exitCodeVMFailed: Int32 = 3
