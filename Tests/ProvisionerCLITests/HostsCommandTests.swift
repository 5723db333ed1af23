import Foundation
import Testing

@testable import ProvisionerCLI

/// `provisioner hosts mint|list|block|unblock` against a real server.
@Suite(.timeLimit(.minutes(2)))
struct HostsCommandTests {
    @Test func mintListBlockAndUnblockAHost() async throws {
        try await LiveServer.run { server in
            let minted = try await runCommand(
                ["hosts", "mint", "--label", "fra1", "--owner", "ops", "--output", "json"], server: server)
            #expect(minted.exitCode == 0, "\(minted.error)")
            let answer = try #require(
                try JSONSerialization.jsonObject(with: Data(minted.output.utf8)) as? [String: Any])
            let hostID = try #require(answer["host_id"] as? String)
            #expect(hostID.hasPrefix("fra1-"))
            #expect((answer["api_key"] as? String)?.count == 64)

            let table = try await runCommand(["hosts", "mint", "--label", "ams2"], server: server)
            #expect(table.exitCode == 0, "\(table.error)")
            #expect(table.output.contains("api_key"))
            #expect(table.output.contains("the key is shown once"))

            let listed = try await runCommand(["hosts", "list"], server: server)
            #expect(listed.exitCode == 0, "\(listed.error)")
            #expect(listed.output.hasPrefix("HOST_ID"))
            #expect(listed.output.contains("\(hostID)  never_reported  no"), "\(listed.output)")

            let blocked = try await runCommand(["hosts", "block", hostID], server: server)
            #expect(blocked.exitCode == 0, "\(blocked.error)")
            #expect(blocked.output.contains("blocked  yes"), "\(blocked.output)")
            let afterBlock = try await runCommand(["hosts", "list", "--output", "json"], server: server)
            #expect(afterBlock.output.contains(#""blocked":true"#), "\(afterBlock.output)")

            let unblocked = try await runCommand(["hosts", "unblock", hostID], server: server)
            #expect(unblocked.exitCode == 0, "\(unblocked.error)")
            #expect(unblocked.output.contains("blocked  no"), "\(unblocked.output)")
        }
    }

    @Test func anUnknownHostOrABadLabelExitsOneWithTheEnvelope() async throws {
        try await LiveServer.run { server in
            let unknown = try await runCommand(["hosts", "block", "nowhere-00000000"], server: server)
            #expect(unknown.exitCode == 1)
            #expect(
                unknown.error.contains("nowhere-00000000") || unknown.error.contains("not_found"), "\(unknown.error)")

            let bad = try await runCommand(["hosts", "mint", "--label", ""], server: server)
            #expect(bad.exitCode == 1, "\(bad.output) \(bad.error)")
            #expect(bad.error.contains("label"), "\(bad.error)")
        }
    }
}
