import ArgumentParser
import Foundation
import SimulatedProvisioner
import Testing

@testable import ProvisionerCLI

/// The `vm` and `pool` client commands against a real server: what they print and how they exit
/// (DESIGN.md section 12: 0 done, 1 error, 2 usage, 3 the VM ended failed or rolled_back).
@Suite(.timeLimit(.minutes(2)))
struct VMCommandTests {
    @Test func createPayWaitStatusShowListRelease() async throws {
        try await LiveServer.run { server in
            let created = try await runCommand(
                ["vm", "create", "--user", "alice", "--plan", "small", "--output", "json"], server: server)
            #expect(created.exitCode == 0, "\(created.error)")
            let id = try vmID(in: created)
            #expect(created.output.contains(#""launch_proof_status":"payment_required""#))

            let paid = try await runCommand(
                ["vm", "pay", id, "--reference", "inv-1", "--wait", "--poll-ms", "50"], server: server)
            #expect(paid.exitCode == 0, "\(paid.error)")
            #expect(paid.output.contains("payment recorded for \(id)"))
            #expect(paid.output.contains("state provisioned: Your machine is ready."))
            #expect(paid.output.contains("check ssh_smoke passed (measured "))
            #expect(!paid.output.contains("\u{1B}["), "a pipe gets plain lines, no ANSI")
            #expect(paid.output.contains("state               provisioned"))

            let status = try await runCommand(["vm", "status", id], server: server)
            #expect(status.exitCode == 0)
            #expect(status.output.contains("state               provisioned"))
            #expect(status.output.contains("ssh_smoke           passed"))

            let show = try await runCommand(["vm", "show", id], server: server)
            #expect(show.exitCode == 0)
            #expect(show.output.contains("backend_ref"))
            #expect(show.output.contains("payment.recorded") || show.output.contains("order.created"))

            let list = try await runCommand(["vm", "list", "--user", "alice"], server: server)
            #expect(list.exitCode == 0)
            #expect(list.output.hasPrefix("VM_ID"))
            #expect(list.output.contains(id))

            // Watching needs no token: without one the public status is polled.
            let watched = try await runCommand(["vm", "status", id, "--watch"], server: server, environment: [:])
            #expect(watched.exitCode == 0, "\(watched.error)")
            #expect(
                watched.output.contains("s] \(id) provisioned (payment paid, dns_aaaa not_run, ssh_smoke passed)"))

            let released = try await runCommand(["vm", "release", id, "--wait", "--poll-ms", "50"], server: server)
            #expect(released.exitCode == 0, "\(released.error)")
            #expect(released.output.contains("state               released"))
        }
    }

    @Test func aPaidOrderWaitedForStopsAtPaymentRequiredWithTheNextStep() async throws {
        try await LiveServer.run { server in
            let created = try await runCommand(
                ["vm", "create", "--user", "bob", "--plan", "small", "--wait"], server: server)
            #expect(created.exitCode == 0)
            #expect(created.output.contains("waiting for payment: provisioner vm pay vm-"))
        }
    }

    @Test func anErrorExits1WithTheMessageAndAgentAction() async throws {
        try await LiveServer.run { server in
            let badPlan = try await runCommand(["vm", "create", "--user", "alice", "--plan", "huge"], server: server)
            #expect(badPlan.exitCode == 1)
            #expect(badPlan.error.contains("error: plan 'huge' does not exist"))
            #expect(badPlan.error.contains("(invalid_request, HTTP 400)"))
            #expect(badPlan.error.contains("agent_action: fix the request as the message says"))

            let missing = try await runCommand(["vm", "show", "vm-nope", "--output", "json"], server: server)
            #expect(missing.exitCode == 1)
            #expect(missing.output.contains(#""code":"not_found""#), "--output json prints the envelope")
            #expect(missing.error.contains("agent_action: check the id or route"))

            let notPool = try await runCommand(["pool", "show"], server: server)
            #expect(notPool.exitCode == 1)
            #expect(notPool.error.contains("pool_not_active"))
        }
    }

    @Test func aMissingTokenOrBadServerIsAUsageErrorAndAnUnreachableServerAnError() async throws {
        try await LiveServer.run { server in
            let noToken = try await runCommand(["vm", "show", "vm-1"], server: server, environment: [:])
            #expect(noToken.exitCode == 2)
            #expect(noToken.error.contains("PROVISIONER_SERVICE_TOKEN is not set"))
            let noAdmin = try await runCommand(
                ["pool", "show"], server: server,
                environment: ["PROVISIONER_SERVICE_TOKEN": LiveServer.serviceToken])
            #expect(noAdmin.exitCode == 2)
            #expect(noAdmin.error.contains("PROVISIONER_ADMIN_SECRET is not set"))
        }
        let badServer = try await runCommand(["vm", "status", "vm-1"], server: "ftp://example")
        #expect(badServer.exitCode == 2)
        // Port 1 on loopback: nothing listens there.
        let unreachable = try await runCommand(["vm", "status", "vm-1"], server: "http://127.0.0.1:1")
        #expect(unreachable.exitCode == 1)
        #expect(unreachable.error.contains("cannot reach the provisioner at http://127.0.0.1:1"))
    }

    @Test func aLaunchThatEndsRolledBackExits3() async throws {
        let failing = SimulatedProvisionerConfiguration(provisionDelayMilliseconds: 0, failureRate: 1)
        try await LiveServer.run(simulated: failing) { server in
            let result = try await runCommand(
                ["vm", "create", "--user", "carol", "--plan", "trial", "--wait", "--poll-ms", "50"], server: server)
            #expect(result.exitCode == 3, "\(result.output)\(result.error)")
            #expect(result.error.contains("ended rolled_back") || result.error.contains("ended failed"))
        }
    }

    @Test func onATerminalTheStatusBlockIsRedrawnInPlace() async throws {
        let slow = SimulatedProvisionerConfiguration(provisionDelayMilliseconds: 2_000, sshBannerListener: true)
        try await LiveServer.run(simulated: slow) { server in
            let result = try await runCommand(
                ["vm", "create", "--user", "dave", "--plan", "trial", "--wait", "--poll-ms", "50"], server: server,
                terminal: true)
            #expect(result.exitCode == 0, "\(result.error)")
            let redraw = ProgressDisplay.cursorUp(5) + ProgressDisplay.eraseBelow
            let redraws = result.output.components(separatedBy: redraw).count - 1
            #expect(redraws >= 2, "the block was redrawn \(redraws) times:\n\(result.output)")
            // The last block drawn shows the delivered VM and the measured check.
            let lastBlock = try #require(result.output.components(separatedBy: redraw).last)
            #expect(lastBlock.contains("  provisioned  "))
            #expect(lastBlock.contains("ssh_smoke  passed  (measured "))
            #expect(
                result.output.range(of: #"\[[0-9]+\.[0-9]s\] vm-"#, options: .regularExpression) == nil,
                "a terminal gets the block, not the change lines")
        }
    }

    @Test func aDryRunPrintsWhatTheOrderWouldGetAndExits1WhenItWouldBeRefused() async throws {
        try await LiveServer.run { server in
            let accepted = try await runCommand(
                ["vm", "create", "--user", "erin", "--plan", "small", "--dry-run"], server: server)
            #expect(accepted.exitCode == 0, "\(accepted.error)")
            #expect(accepted.output.contains("would_be_accepted  yes"))
            #expect(accepted.output.contains("price              5.00"))
            #expect(accepted.output.contains("dry run: nothing was created"))
            let list = try await runCommand(["vm", "list", "--user", "erin"], server: server)
            #expect(list.output.contains("erin has no VMs"))

            let json = try await runCommand(
                ["vm", "create", "--user", "erin", "--plan", "trial", "--dry-run", "--output", "json"], server: server)
            let preview = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
            #expect(preview?["dry_run"] as? Bool == true)

            // Over the paid-VM cap (3): the preview is printed, then the refusal, exit 1.
            for _ in 0..<3 {
                #expect(
                    try await runCommand(["vm", "create", "--user", "erin", "--plan", "small"], server: server).exitCode
                        == 0)
            }
            let refused = try await runCommand(
                ["vm", "create", "--user", "erin", "--plan", "small", "--dry-run"], server: server)
            #expect(refused.exitCode == 1)
            #expect(refused.output.contains("would_be_accepted  no"))
            #expect(refused.output.contains("quota              3 of 3 paid VMs active"))
            #expect(refused.error.contains("(quota_exceeded, HTTP 429)"))
            #expect(refused.error.contains("agent_action: release one of the user's VMs"))

            let both = try? ProvisionerCommand.parseAsRoot(
                ["vm", "create", "--user", "erin", "--plan", "trial", "--dry-run", "--wait"])
            #expect(both == nil, "--dry-run with --wait is a usage error")
        }
    }

    @Test func anSSHKeyFileIsReadAndAPrivateKeyIsNeverSent() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pub = directory.appendingPathComponent("id.pub").path
        try "# laptop\nssh-ed25519 AAAAC3Nza user@laptop\n\n".write(toFile: pub, atomically: true, encoding: .utf8)
        #expect(try SSHKeyFile.keys([pub]) == ["ssh-ed25519 AAAAC3Nza user@laptop"])
        let key = directory.appendingPathComponent("id").path
        try "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----\n".write(
            toFile: key, atomically: true, encoding: .utf8)
        #expect(throws: ClientError.self) { try SSHKeyFile.keys([key]) }
        #expect(throws: ClientError.self) { try SSHKeyFile.keys([directory.appendingPathComponent("none").path]) }
    }
}
