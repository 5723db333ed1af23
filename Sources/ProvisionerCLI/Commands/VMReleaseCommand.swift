import ArgumentParser
import Host

/// `provisioner vm release ID [--wait]`: releases a VM (idempotent).
struct VMReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release", abstract: "Release a VM; releasing a released VM succeeds (DELETE /v1/vm/{id}).")

    @OptionGroup var client: ClientOptions

    @Argument(help: "The VM id (vm_id).")
    var id: String

    @Flag(help: "Show progress until the VM is released.")
    var wait = false

    @OptionGroup var waiting: WaitOptions

    func run() async throws {
        try await ClientRun.execute(client) { client, console in
            let response = try await client.release(id)
            guard wait else {
                try VMReport.print(response, self.client.output, console: console)
                return
            }
            VMReport.remark("release requested for \(id)", self.client.output, console: console)
            try await VMReport.waitAndPrint(
                id, goal: .release, client: client, waiting: waiting, format: self.client.output, console: console)
        }
    }
}

/// `provisioner vm list --user U`: a user's VMs.
struct VMListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "A user's VMs, newest first (GET /v1/users/{user}/vms).")

    @OptionGroup var client: ClientOptions

    @Option(help: "The user.")
    var user: String

    func run() async throws {
        try await ClientRun.execute(client) { client, console in
            let response = try await client.list(user: user)
            guard self.client.output == .table else {
                console.line(String(decoding: response.body, as: UTF8.self))
                return
            }
            let vms = try response.json()["vms"]?.arrayValue ?? []
            guard !vms.isEmpty else {
                console.line("\(user) has no VMs")
                return
            }
            let rows = vms.map { vm in
                [
                    vm.cell("vm_id"), vm.cell("plan"), vm.cell("launch_proof_status"), vm.cell("payment_status"),
                    vm["ipv6"]?.stringValue ?? vm.cell("ipv4"), vm.cell("created_at"),
                ]
            }
            console.line(TextTable.columns(["VM_ID", "PLAN", "STATE", "PAYMENT", "ADDRESS", "CREATED_AT"], rows))
        }
    }
}
