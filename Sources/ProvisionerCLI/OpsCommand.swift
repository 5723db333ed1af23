import ArgumentParser
import Foundation
import NIOHTTP1

/// `provisioner ops request|sign|list`: the reversibility gate from a terminal (DESIGN.md
/// section 11). Destructive ops wait as `pending_signature` until `ops sign` submits an
/// operator's SSH signature over their payload.
struct OpsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops", abstract: "Request, sign and list operator ops (the reversibility gate).",
        subcommands: [Request.self, Sign.self, List.self])

    struct ServerOptions: ParsableArguments {
        @Option(help: "The server (default: $PROVISIONER_URL, else http://127.0.0.1:8080).")
        var server: String?

        func client() throws -> AdminClient {
            do {
                return try AdminClient.make(server: server, environment: ProcessInfo.processInfo.environment)
            } catch {
                throw OpsCommand.failed("\(error)")
            }
        }
    }

    static func failed(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode.failure
    }

    /// One line per op: id, state, class, op, target.
    static func line(_ op: [String: Any]) -> String {
        [op["op_id"], op["state"], op["class"], op["op"], op["target"], op["signer"], op["outcome"]]
            .map { ($0 as? String) ?? "-" }.joined(separator: "  ")
    }

    /// `ops request OP TARGET [--param k=v]...`
    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask for an op: benign ops run now, others wait for a signature (prints the op id).")

        @Argument(help: "The op: purge_orphan, force_release, decommission_pool_vm, return_quarantined, restart_vm.")
        var op: String
        @Argument(help: "The target: a backend ref, an allocation id or a pool VM id, as the op needs.")
        var target: String
        @Option(name: .customLong("param"), help: "A parameter as key=value (repeatable).")
        var params: [String] = []
        @OptionGroup var options: ServerOptions

        func run() async throws {
            var parameters: [String: String] = [:]
            for pair in params {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw ValidationError("--param '\(pair)' is not key=value")
                }
                parameters[parts[0]] = parts[1]
            }
            let client = try options.client()
            do {
                let (_, op) = try await client.send(
                    .POST, "/admin/ops", body: ["op": op, "target": target, "params": parameters])
                print(OpsCommand.line(op))
                if op["state"] as? String == "pending_signature", let id = op["op_id"] as? String {
                    print("waits for a signature: provisioner ops sign \(id) --key ~/.ssh/id_ed25519")
                }
            } catch {
                throw OpsCommand.failed("\(error)")
            }
        }
    }

    /// `ops sign OP_ID --key FILE`
    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a pending op's payload with an OpenSSH key (ssh-keygen -Y sign) and submit it.")

        @Argument(help: "The pending op's id.")
        var opID: String
        @Option(help: "The OpenSSH Ed25519 private key file (ssh-keygen may ask for its passphrase).")
        var key: String
        @Option(help: "The signature namespace the server expects (gate.namespace).")
        var namespace: String = "provisioner-op"
        @Option(help: "The ssh-keygen to run.")
        var sshKeygen: String = "/usr/bin/ssh-keygen"
        @OptionGroup var options: ServerOptions

        func run() async throws {
            let client = try options.client()
            do {
                let (_, op) = try await client.send(.GET, "/admin/ops/\(opID)")
                guard op["state"] as? String == "pending_signature", let payload = op["payload"] as? String else {
                    throw AdminClient.Failure(
                        description: "op \(opID) is \(op["state"] as? String ?? "unknown"), not pending_signature")
                }
                let signature = try SSHKeygenSigner(executable: sshKeygen).sign(
                    payload, key: key, namespace: namespace)
                let (_, result) = try await client.send(
                    .POST, "/admin/ops/\(opID)/signature", body: ["signature": signature, "payload": payload])
                print(OpsCommand.line(result))
                if result["state"] as? String == "failed" { throw ExitCode.failure }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw OpsCommand.failed("\(error)")
            }
        }
    }

    /// `ops list`
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List operator ops, newest first.")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            let client = try options.client()
            do {
                let (_, body) = try await client.send(.GET, "/admin/ops.json")
                for op in body["ops"] as? [[String: Any]] ?? [] { print(OpsCommand.line(op)) }
            } catch {
                throw OpsCommand.failed("\(error)")
            }
        }
    }
}
