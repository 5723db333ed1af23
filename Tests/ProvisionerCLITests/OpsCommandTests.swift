import ArgumentParser
import Foundation
import Host
import Hummingbird
import HummingbirdTesting
import Logging
import ProvisionerAPI
import SimulatedProvisioner
import Testing

@testable import ProvisionerCLI

/// `provisioner ops request|sign|list` against a real server on a loopback port, signing with the
/// real `ssh-keygen`. Serialized: the commands read the admin secret from the process environment.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct OpsCommandTests {
    static let adminSecret = "ops-cli-admin-secret-0123456789"

    private func keygen(_ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func requestSignAndListRunADestructiveOpOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ops-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("alice").path
        try keygen(["-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", key], in: directory)
        let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8)
        let signers = directory.appendingPathComponent("allowed_signers").path
        try "alice@ops \(publicKey)".write(toFile: signers, atomically: true, encoding: .utf8)

        var configuration = HostConfiguration()
        configuration.server.port = 0
        configuration.launchProof.sshSmokeEnabled = false
        configuration.gate.allowedSignersFile = signers
        configuration.gate.roles = [.operational: ["alice@ops"]]
        let store = try SQLiteStore(path: ":memory:")
        try await store.migrate()
        let backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0))
        let stray = try await backend.allocate(
            AllocationRequest(allocationID: "stray-1", userID: "nobody", plan: PlanSpec(name: "small")),
            logger: Logger(label: "test"))
        var logger = Logger(label: "test.ops-cli")
        logger.logLevel = .warning
        let dependencies = HostDependencies(
            configuration: configuration, store: store, backend: backend, serviceToken: "ops-cli-service-0123456789",
            adminSecret: Self.adminSecret, dashboardSecret: "ops-cli-dashboard-0123456789", logger: logger)
        let environment = ["PROVISIONER_ADMIN_SECRET": Self.adminSecret]
        try await buildApplication(dependencies).test(.live) { client in
            let server = "http://127.0.0.1:\(try #require(client.port))"
            let request = try await runCommand(
                ["ops", "request", "purge_orphan", try #require(stray.backendRef)], server: server,
                environment: environment)
            #expect(request.exitCode == 0, "\(request.error)")
            #expect(request.output.contains("pending_signature"))
            #expect(request.output.contains("waits for a signature: provisioner ops sign op-"))
            let pending = try await store.operatorOps(state: .pendingSignature)
            #expect(pending.count == 1)
            #expect(backend.liveAllocationIDs.contains("stray-1"))
            let opID = try #require(pending.first?.opID)

            let sign = try await runCommand(
                ["ops", "sign", opID, "--key", key], server: server, environment: environment)
            #expect(sign.exitCode == 0, "\(sign.error)")
            #expect(sign.output.hasPrefix("\(opID)  done"), "\(sign.output)")
            #expect(try await store.operatorOp(id: opID)?.state == .done)
            #expect(try await store.operatorOp(id: opID)?.signer?.hasPrefix("alice@ops SHA256:") == true)
            #expect(!backend.liveAllocationIDs.contains("stray-1"))

            let list = try await runCommand(["ops", "list"], server: server, environment: environment)
            #expect(list.exitCode == 0, "\(list.error)")
            #expect(list.output.contains(opID))
            let json = try await runCommand(
                ["ops", "list", "--output", "json"], server: server, environment: environment)
            #expect(json.output.hasPrefix(#"{"ops":["#), "\(json.output)")

            // Signing again: the op is no longer pending, the command fails with exit code 1.
            let again = try await runCommand(
                ["ops", "sign", opID, "--key", key], server: server, environment: environment)
            #expect(again.exitCode == 1)
            #expect(again.error.contains("not pending_signature"), "\(again.error)")
        }
        try await store.close()
    }

    @Test func aMissingAdminSecretIsAUsageErrorAndAnUnknownOpShowsTheEnvelope() async throws {
        try await LiveServer.run { server in
            let missing = try await runCommand(["ops", "list"], server: server, environment: [:])
            #expect(missing.exitCode == 2, "\(missing.output) \(missing.error)")
            #expect(missing.error.contains("PROVISIONER_ADMIN_SECRET"), "\(missing.error)")

            let unknown = try await runCommand(["ops", "request", "drop_database", "everything"], server: server)
            #expect(unknown.exitCode == 1)
            #expect(unknown.error.contains("unknown_op"), "\(unknown.error)")
            #expect(unknown.error.contains("agent_action:"), "\(unknown.error)")
        }
    }
}
