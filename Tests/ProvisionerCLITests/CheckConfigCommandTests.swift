import ArgumentParser
import Foundation
import Testing

@testable import ProvisionerCLI

@Suite(.timeLimit(.minutes(1)))
struct CheckConfigCommandTests {
    private func withConfigFile(_ text: String, _ body: (String) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await body(path)
    }

    @Test func validConfigSucceeds() async throws {
        try await withConfigFile("provisioner:\n  backend: simulated\n") { path in
            var command = try ProvisionerCommand.parseAsRoot(["check-config", path]) as! CheckConfigCommand
            try await command.run()
        }
    }

    @Test(arguments: [
        "server:\n  prot: 80\n",
        "provisioner:\n  backend: simulatd\n",
        "plans: {}\n",
        "server: [1, 2\n",
        "provisioner:\n  require_real: true\n",
    ])
    func badConfigExits78(text: String) async throws {
        try await withConfigFile(text) { path in
            var command = try ProvisionerCommand.parseAsRoot(["check-config", path]) as! CheckConfigCommand
            await #expect(throws: ExitCode(78)) { try await command.run() }
        }
    }

    @Test func missingFileExits78() async throws {
        var command =
            try ProvisionerCommand.parseAsRoot(["check-config", "/nonexistent/provisioner.yaml"]) as! CheckConfigCommand
        await #expect(throws: ExitCode(78)) { try await command.run() }
    }
}
