import Foundation
import Testing

@testable import ProvisionerCLI

/// The progress display's text: the redrawn block and the change lines.
struct ProgressRendererTests {
    static func snapshot(state: String, ssh: String = "not_run", sshAt: String? = nil) -> VMProgressSnapshot {
        VMProgressSnapshot(
            vmID: "vm-1", state: state, paymentStatus: "paid", customerMessage: "msg \(state)",
            checks: [
                .init(name: "dns_aaaa", status: "not_run", measuredAt: nil),
                .init(name: "ssh_smoke", status: ssh, measuredAt: sshAt),
            ])
    }

    @Test func theBlockShowsStateElapsedChecksAndMessage() {
        let lines = ProgressRenderer.block(
            Self.snapshot(state: "provisioning", ssh: "passed", sshAt: "2026-11-27T10:00:01.500Z"),
            elapsed: .milliseconds(3_250))
        #expect(
            lines == [
                "vm-1  provisioning  3.2s elapsed", "  payment    paid", "  dns_aaaa   not_run",
                "  ssh_smoke  passed  (measured 10:00:01.500Z)", "  msg provisioning",
            ])
    }

    @Test func linesSayOnlyWhatChanged() {
        let first = Self.snapshot(state: "paid")
        #expect(
            ProgressRenderer.changes(from: nil, to: first, elapsed: .zero)
                == ["[0.0s] vm-1 paid (payment paid, dns_aaaa not_run, ssh_smoke not_run)"])
        #expect(ProgressRenderer.changes(from: first, to: first, elapsed: .seconds(1)).isEmpty)
        let measured = Self.snapshot(state: "provisioned", ssh: "passed", sshAt: "2026-11-27T10:00:02Z")
        #expect(
            ProgressRenderer.changes(from: first, to: measured, elapsed: .milliseconds(1_500))
                == ["[1.5s] state provisioned: msg provisioned", "[1.5s] check ssh_smoke passed (measured 10:00:02Z)"])
    }

    @Test(arguments: [(0, "0.0s"), (999, "0.9s"), (59_999, "59.9s"), (60_000, "1m00s"), (125_000, "2m05s")])
    func elapsedTimeReadsAsSecondsThenMinutes(milliseconds: Int, text: String) {
        #expect(ProgressRenderer.format(.milliseconds(milliseconds)) == text)
    }

    @Test func aTerminalRedrawsTheBlockInPlaceAndAPipeGetsLines() {
        let capture = CapturedOutput()
        var terminal = ProgressDisplay(terminal: true, write: capture.console().write)
        terminal.show(Self.snapshot(state: "paid"), elapsed: .zero)
        terminal.show(Self.snapshot(state: "provisioning"), elapsed: .milliseconds(200))
        let blockHeight = 5
        #expect(!capture.output.hasPrefix("\u{1B}["), "the first block is drawn where the cursor is")
        #expect(capture.output.components(separatedBy: "\u{1B}[\(blockHeight)A\u{1B}[J").count == 2)
        #expect(capture.output.hasSuffix("  msg provisioning\n"))

        let piped = CapturedOutput()
        var lines = ProgressDisplay(terminal: false, write: piped.console().write)
        lines.show(Self.snapshot(state: "paid"), elapsed: .zero)
        lines.show(Self.snapshot(state: "paid"), elapsed: .milliseconds(200))
        lines.show(Self.snapshot(state: "provisioning"), elapsed: .milliseconds(400))
        #expect(piped.output.split(separator: "\n").count == 2)
        #expect(!piped.output.contains("\u{1B}"))
    }

    @Test func goalsEndTheWaitAtTheRightStates() {
        #expect(WaitGoal.launch.isReached(Self.snapshot(state: "provisioned")))
        #expect(WaitGoal.launch.isReached(Self.snapshot(state: "payment_required")))
        #expect(!WaitGoal.launch.isReached(Self.snapshot(state: "provisioning")))
        #expect(!WaitGoal.release.isReached(Self.snapshot(state: "releasing")))
        #expect(WaitGoal.release.isReached(Self.snapshot(state: "released")))
        var pending = Self.snapshot(state: "failed")
        pending.teardownPending = true
        #expect(!WaitGoal.settle.isReached(pending))
        #expect(Self.snapshot(state: "rolled_back").endedBadly)
    }
}
