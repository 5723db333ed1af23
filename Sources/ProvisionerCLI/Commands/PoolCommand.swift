import ArgumentParser
import Foundation
import Host

/// `provisioner pool show|refresh`: the pool backend's VMs (the admin secret's routes).
struct PoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool", abstract: "See and replace the pool of pre-built VMs (admin secret).",
        subcommands: [PoolShowCommand.self, PoolRefreshCommand.self])
}

/// `provisioner pool show`: every pool VM and its state.
struct PoolShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Every pool VM with its state and holder (GET /admin/pool.json).")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await ClientRun.execute(client) { client, console in
            let response = try await client.poolReport()
            guard self.client.output == .table else {
                console.line(String(decoding: response.body, as: UTF8.self))
                return
            }
            let report = try response.json()
            let vms = report["vms"]?.arrayValue ?? []
            let rows = vms.map { vm in
                [
                    vm.cell("vm_id"), vm.cell("state"), vm.cell("name"), vm["ipv6"]?.stringValue ?? vm.cell("ipv4"),
                    vm.cell("allocation_id"), vm.cell("note"),
                ]
            }
            console.line("pool generation \(report.cell("generation")), \(report.cell("pool_size")) VMs")
            console.line(TextTable.columns(["VM_ID", "STATE", "NAME", "ADDRESS", "ALLOCATION", "NOTE"], rows))
        }
    }
}

/// `provisioner pool refresh FILE`: replaces the whole pool in one step.
struct PoolRefreshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Replace the whole pool with a file's VMs (POST /admin/pool-refresh).",
        discussion: """
            FILE is JSON: an array of pool VMs or {"pool": [...]}. The server checks all of it first; a bad \
            pool changes nothing. VMs that vanish while assigned stay assigned (orphaned_from_pool).
            """)

    @OptionGroup var client: ClientOptions

    @Argument(help: "The pool file (JSON).")
    var file: String

    func run() async throws {
        try await ClientRun.execute(client) { client, console in
            guard let pool = FileManager.default.contents(atPath: file) else {
                throw ClientError.usage("\(file): cannot read the pool file")
            }
            let response = try await client.refreshPool(pool)
            try VMReport.print(response, self.client.output, console: console) { sizes in
                [("pool_size", "\(sizes.cell("pool_size")) VMs (was \(sizes.cell("prev_pool_size")))")]
            }
        }
    }
}
