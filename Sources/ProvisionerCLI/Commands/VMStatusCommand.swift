import ArgumentParser
import Host

/// `provisioner vm status ID [--watch]`: the public launch-proof status.
struct VMStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The VM's launch-proof status (GET /v1/vm/{id}/status, no token needed).",
        discussion: """
            --watch shows progress until the VM settles (delivered, failed, rolled back, released, or waiting \
            for payment); with the service token set it also shows when each launch check was measured.
            """)

    @OptionGroup var client: ClientOptions

    @Argument(help: "The VM id (vm_id).")
    var id: String

    @Flag(help: "Show progress until the VM settles.")
    var watch = false

    @OptionGroup var waiting: WaitOptions

    func run() async throws {
        try await ClientRun.execute(client) { client, console in
            guard watch else {
                try VMReport.print(try await client.status(id), self.client.output, console: console)
                return
            }
            try await VMReport.waitAndPrint(
                id, goal: .settle, client: client, waiting: waiting, format: self.client.output, console: console)
        }
    }
}

/// `provisioner vm show ID`: the full allocation.
struct VMShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "The full allocation: addresses, ssh, backend_ref, operator message, events (GET /v1/vm/{id}).")

    @OptionGroup var client: ClientOptions

    @Argument(help: "The VM id (vm_id).")
    var id: String

    func run() async throws {
        try await ClientRun.execute(client) { client, console in
            let response = try await client.show(id)
            try VMReport.print(response, self.client.output, console: console) { view in
                var rows = VMReport.rows(view)
                if let ref = view["backend_ref"]?.stringValue { rows.append(("backend_ref", ref)) }
                rows.append(("created_at", view.cell("created_at")))
                for event in view["events"]?.arrayValue ?? [] {
                    rows.append(("event", "\(event.cell("at"))  \(event.cell("kind"))  \(event.cell("detail"))"))
                }
                return rows
            }
        }
    }
}
