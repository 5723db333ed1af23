import ArgumentParser

/// `provisioner vm ...`: order, pay, watch and release VMs on a running server.
struct VMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vm",
        abstract: "Order, pay for, watch and release VMs on a running server (the service token's routes).",
        discussion: """
            Exit codes: 0 done, 1 error (the server's message and agent_action on standard error), 2 usage, \
            3 the VM ended failed or rolled_back.
            """,
        subcommands: [
            VMCreateCommand.self, VMPayCommand.self, VMStatusCommand.self, VMShowCommand.self, VMReleaseCommand.self,
            VMListCommand.self,
        ])
}
