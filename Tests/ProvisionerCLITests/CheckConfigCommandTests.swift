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

/// `check-config` says which store `serve` would open (it once printed the SQLite default for a
/// PostgreSQL store).
@Suite(.timeLimit(.minutes(1)))
struct CheckConfigStoreTests {
    private func check(_ yaml: String, environment: [String: String]) throws -> (output: String, error: String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = try ProvisionerCommand.parseAsRoot(["check-config", path]) as! CheckConfigCommand
        let capture = CapturedOutput()
        try ConsoleOutput.$current.withValue(capture.console()) { try command.check(environment: environment) }
        return (capture.output, capture.error)
    }

    @Test func aPostgresStoreIsReportedWithItsServerAndNeverItsPassword() throws {
        let yaml = "store:\n  kind: postgres\n  url_env: MY_DB\n  max_connections: 4\n"
        let result = try check(
            yaml, environment: ["MY_DB": "postgres://prov:s3cret@db.example:5433/provdb?sslmode=require"])
        #expect(
            result.output.contains(
                "store postgres prov@db.example:5433/provdb (sslmode require, at most 4 connections, URL from $MY_DB)"))
        #expect(!result.output.contains("data/provisioner.sqlite"))
        #expect(!result.output.contains("s3cret") && !result.error.contains("s3cret"))
        #expect(result.error.isEmpty)
    }

    @Test func aPostgresStoreWithoutItsURLIsReportedWithAWarning() throws {
        let result = try check("store:\n  kind: postgres\n", environment: [:])
        #expect(result.output.contains("store postgres, URL from $PROVISIONER_DATABASE_URL"))
        #expect(result.error.contains("warning: PROVISIONER_DATABASE_URL is not set here"))
    }

    @Test func aSQLiteStoreIsReportedWithItsPath() throws {
        let result = try check("store:\n  path: /var/lib/prov/p.sqlite\n", environment: [:])
        #expect(result.output.contains("store sqlite /var/lib/prov/p.sqlite (synchronous full)"))
    }
}
