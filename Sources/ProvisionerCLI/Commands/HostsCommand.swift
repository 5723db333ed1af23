import ArgumentParser
import Foundation
import Host

/// `provisioner hosts mint|list|block|unblock`: the hosts that report in (DESIGN.md section 10),
/// over the admin secret's routes.
struct HostsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts", abstract: "Mint, list and block the hosts that report in (admin secret).",
        subcommands: [HostsMintCommand.self, HostsListCommand.self, HostsBlockCommand.self, HostsUnblockCommand.self])
}

/// `provisioner hosts mint --label L [--owner O]`: a new host id and its key, printed once.
struct HostsMintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mint",
        abstract: "Mint a host id and its API key (POST /admin/hosts); the key is shown this once.",
        discussion: "Give the key to the host's agent as PROVISIONER_HOST_KEY; the server keeps only its SHA-256.")

    @OptionGroup var client: ClientOptions

    @Option(help: "The host's label; its id is <label>-<8 hex>.")
    var label: String

    @Option(help: "Who runs the host.")
    var owner: String?

    func run() async throws {
        try await ClientRun.execute(client) { client, console in
            let response = try await client.mintHost(label: label, owner: owner)
            try VMReport.print(response, self.client.output, console: console) { minted in
                [("host_id", minted.cell("host_id")), ("api_key", minted.cell("api_key"))]
            }
            if self.client.output == .table {
                VMReport.remark(
                    "the key is shown once: start the agent with PROVISIONER_HOST_KEY=<api_key> provisioner agent "
                        + "--server URL --host-id \(try response.json().cell("host_id"))",
                    .table, console: console)
            }
        }
    }
}

/// `provisioner hosts list`: every host with its health and last report's figures.
struct HostsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Every host with its health and last report (GET /admin/hosts.json).")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await ClientRun.execute(client) { client, console in
            let response = try await client.hosts()
            guard self.client.output == .table else {
                console.line(String(decoding: response.body, as: UTF8.self))
                return
            }
            let rows = (try response.json()["hosts"]?.arrayValue ?? []).map { host in
                [
                    host.cell("host_id"), host.cell("health"), host["blocked"]?.boolValue == true ? "yes" : "no",
                    host.cell("last_report_at"),
                    "\(host.cell("guest_running"))/\(host.cell("guest_total"))", host.cell("agent_version"),
                ]
            }
            console.line(TextTable.columns(["HOST_ID", "HEALTH", "BLOCKED", "LAST_REPORT", "GUESTS", "AGENT"], rows))
        }
    }
}

/// `provisioner hosts block ID`: its pool VMs are no longer handed out; its reports still count.
struct HostsBlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block",
        abstract: "Block a host: its pool VMs are not handed out; it may still report (POST /admin/hosts/{id}/block).")

    @OptionGroup var client: ClientOptions

    @Argument(help: "The host id.")
    var id: String

    func run() async throws {
        try await HostsBlocking.set(id, blocked: true, options: client)
    }
}

/// `provisioner hosts unblock ID`.
struct HostsUnblockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unblock", abstract: "Unblock a host (POST /admin/hosts/{id}/unblock).")

    @OptionGroup var client: ClientOptions

    @Argument(help: "The host id.")
    var id: String

    func run() async throws {
        try await HostsBlocking.set(id, blocked: false, options: client)
    }
}

/// The shared body of `hosts block` and `hosts unblock`.
enum HostsBlocking {
    static func set(_ id: String, blocked: Bool, options: ClientOptions) async throws {
        try await ClientRun.execute(options) { client, console in
            let response = try await client.setHostBlocked(id, blocked: blocked)
            try VMReport.print(response, options.output, console: console) { host in
                [("host_id", host.cell("host_id")), ("health", host.cell("health")), ("blocked", host.cell("blocked"))]
            }
        }
    }
}
