import ArgumentParser
import Foundation
import Host

/// `provisioner ops request|sign|list`: the reversibility gate from a terminal (DESIGN.md
/// section 11). Destructive ops wait as `pending_signature` until `ops sign` submits an
/// operator's SSH signature over their payload.
struct OpsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops", abstract: "Request, sign and list operator ops (the reversibility gate; admin secret).",
        subcommands: [Request.self, Sign.self, List.self])

    /// One line per op: id, state, class, op, target, signer, outcome.
    static func line(_ op: JSONValue) -> String {
        ["op_id", "state", "class", "op", "target", "signer", "outcome"].map { op.cell($0) }.joined(separator: "  ")
    }

    /// Prints an op: its JSON as the server sent it, or its line.
    static func print(_ response: ProvisionerClient.Response, _ format: OutputFormat, console: ConsoleOutput) throws {
        switch format {
        case .json: console.line(String(decoding: response.body, as: UTF8.self))
        case .table: console.line(line(try response.json()))
        }
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
        @OptionGroup var client: ClientOptions

        func run() async throws {
            var parameters: [String: String] = [:]
            for pair in params {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw ValidationError("--param '\(pair)' is not key=value")
                }
                parameters[parts[0]] = parts[1]
            }
            try await ClientRun.execute(client) { client, console in
                let response = try await client.requestOp(op, target: target, params: parameters)
                try OpsCommand.print(response, self.client.output, console: console)
                let answer = try response.json()
                if self.client.output == .table, answer["state"]?.stringValue == "pending_signature" {
                    console.line(
                        "waits for a signature: provisioner ops sign \(answer.cell("op_id")) --key ~/.ssh/id_ed25519")
                }
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
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await ClientRun.execute(client) { client, console in
                let op = try await client.operatorOp(opID).json()
                guard op["state"]?.stringValue == "pending_signature", let payload = op["payload"]?.stringValue else {
                    throw ClientError.unexpectedAnswer("op \(opID) is \(op.cell("state")), not pending_signature")
                }
                let signature: String
                do {
                    signature = try SSHKeygenSigner(executable: sshKeygen).sign(payload, key: key, namespace: namespace)
                } catch {
                    throw ClientError.usage("\(error)")
                }
                let response = try await client.submitSignature(opID, signature: signature, payload: payload)
                try OpsCommand.print(response, self.client.output, console: console)
                if try response.json()["state"]?.stringValue == "failed" {
                    throw ClientError.unexpectedAnswer(
                        "op \(opID) ran and failed: \(try response.json().cell("outcome"))")
                }
            }
        }
    }

    /// `ops list`
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List operator ops, newest first.")

        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await ClientRun.execute(client) { client, console in
                let response = try await client.operatorOps()
                guard self.client.output == .table else {
                    console.line(String(decoding: response.body, as: UTF8.self))
                    return
                }
                for op in try response.json()["ops"]?.arrayValue ?? [] { console.line(OpsCommand.line(op)) }
            }
        }
    }
}
