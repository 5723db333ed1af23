import ArgumentParser
import Host

/// `provisioner vm pay ID --reference R [--wait]`: records a payment, which starts provisioning.
struct VMPayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pay", abstract: "Record the payment of an order (POST /v1/vm/{id}/payment, status paid).")

    @OptionGroup var client: ClientOptions

    @Argument(help: "The VM id (vm_id).")
    var id: String

    @Option(help: "The payment's reference in your billing system.")
    var reference: String

    @Flag(help: "Show progress until the launch settled.")
    var wait = false

    @OptionGroup var waiting: WaitOptions

    func run() async throws {
        try await ClientRun.execute(client) { client, console in
            let response = try await client.pay(id, reference: reference)
            guard wait else {
                try VMReport.print(response, self.client.output, console: console)
                return
            }
            VMReport.remark("payment recorded for \(id)", self.client.output, console: console)
            try await VMReport.waitAndPrint(
                id, goal: .launch, client: client, waiting: waiting, format: self.client.output, console: console)
        }
    }
}
