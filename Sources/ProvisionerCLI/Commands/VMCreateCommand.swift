import ArgumentParser
import Foundation
import Host

/// `provisioner vm create --user U --plan P [--hostname H] [--ssh-key FILE] [--wait] [--dry-run]`.
struct VMCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Order a VM for a user and a plan (POST /v1/vm).",
        discussion: """
            --wait shows the launch as it happens and returns when it settled (a paid plan stops at \
            payment_required: pay with `vm pay ID --reference R --wait`). --dry-run shows what the order would \
            get (backend, price, payment, admission, the pool VM it would be offered) and creates nothing; it \
            exits 1 with the refusal when a real order would be refused now.
            """)

    @OptionGroup var client: ClientOptions

    @Option(help: "The user the VM is for.")
    var user: String

    @Option(help: "The plan (see the server's config: plans).")
    var plan: String

    @Option(help: "A DNS name for the VM; its AAAA record is checked after the launch.")
    var hostname: String?

    @Option(
        name: .customLong("ssh-key"),
        help: "An OpenSSH public key file (its key lines are sent); repeat for more keys.")
    var sshKeyFiles: [String] = []

    @Flag(help: "Show progress until the launch settled.")
    var wait = false

    @Flag(help: "Show what the order would get; create nothing.")
    var dryRun = false

    @OptionGroup var waiting: WaitOptions

    func validate() throws {
        if wait, dryRun {
            throw ValidationError("--wait and --dry-run cannot be combined: a dry run creates nothing to wait for")
        }
    }

    func run() async throws {
        try await ClientRun.execute(client) { client, console in
            let order = ProvisionerClient.Order(
                userID: user, plan: plan, hostname: hostname, sshKeys: try SSHKeyFile.keys(sshKeyFiles))
            if dryRun {
                try await DryRunReport.run(order, client: client, format: self.client.output, console: console)
                return
            }
            let response = try await client.createVM(order)
            let view = try response.json()
            let id = view["vm_id"]?.stringValue ?? ""
            guard wait else {
                try VMReport.print(response, self.client.output, console: console)
                if view["launch_proof_status"]?.stringValue == "payment_required" {
                    VMReport.remark(
                        "next: provisioner vm pay \(id) --reference REF --wait", self.client.output, console: console)
                }
                return
            }
            VMReport.remark("ordered \(id) (plan \(plan) for \(user))", self.client.output, console: console)
            try await VMReport.waitAndPrint(
                id, goal: .launch, client: client, waiting: waiting, format: self.client.output, console: console)
        }
    }
}

/// Reads `--ssh-key` files: each non-empty line that is not a comment is one public key.
enum SSHKeyFile {
    /// The keys of `paths`, in order.
    ///
    /// - Throws: ``ClientError/usage(_:)`` for an unreadable file, one with no key, or a private key
    ///   (which is never sent).
    static func keys(_ paths: [String]) throws -> [String] {
        try paths.flatMap { path -> [String] in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ClientError.usage("--ssh-key \(path): cannot read the file")
            }
            let text = String(decoding: data, as: UTF8.self)
            if text.contains("PRIVATE KEY") {
                throw ClientError.usage(
                    "--ssh-key \(path) is a private key; pass the public key (\(path).pub), it was not sent")
            }
            let keys = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            guard !keys.isEmpty else { throw ClientError.usage("--ssh-key \(path): the file holds no key") }
            return keys
        }
    }
}
