import Foundation
import Host
import ProvisionerAPI
import Testing

struct LaunchProofStatusTransitionsTests {
    /// Every move of DESIGN.md sections 6 and 8, as the lifecycle derives them; everything else must
    /// be refused. A change here is a change of the contract: it must be deliberate.
    static let legal: Set<String> = [
        "payment_required>paid", "payment_required>released",
        "paid>provisioning", "paid>released",
        "paid>failed",  // the teardown of a superseded attempt failed: teardown_pending
        "provisioning>provisioned", "provisioning>degraded", "provisioning>failed", "provisioning>rolled_back",
        "provisioning>releasing",  // delivered while a release was requested: released at once
        "provisioning>released",  // rolled back while a release was requested: nothing is left
        "provisioned>releasing", "provisioned>failed",  // vm_gone (reconcile)
        "degraded>releasing", "degraded>failed",
        "failed>paid", "failed>releasing",
        "rolled_back>paid", "rolled_back>released",
        "releasing>released", "releasing>failed",  // deadline_exceeded (reconcile)
    ]

    @Test(arguments: LaunchProofStatus.allCases, LaunchProofStatus.allCases)
    func transitionTable(from: LaunchProofStatus, to: LaunchProofStatus) {
        #expect(from.canMove(to: to) == Self.legal.contains("\(from.rawValue)>\(to.rawValue)"))
    }

    @Test func releasedIsTerminalAndPaidIsNeverReachedFromProvisioned() {
        #expect(LaunchProofStatus.released.allowedNext.isEmpty)
        for state in LaunchProofStatus.allCases where state != .paymentRequired {
            #expect(!state.canMove(to: .paymentRequired))
        }
        #expect(!LaunchProofStatus.provisioned.canMove(to: .paid))
    }

    @Test func storeRefusesAnIllegalMoveEvenWhenTheCallerAllowsTheSourceState() async throws {
        let store = try SQLiteStore(path: ":memory:")
        try await store.migrate()
        let record = AllocationRecord(
            id: "vm-sm", userID: "u", plan: .init(name: "small", priceCents: 500), backend: "simulated", isDemo: true,
            hostname: nil, sshKeys: [], openPorts: [], metadata: [:], idempotencyKey: nil, requestFingerprint: nil,
            now: .now)
        let audit = AuditEvent(
            at: .now, kind: "order.created", allocationID: "vm-sm", userID: "u", actor: "t", requestID: nil)
        _ = try await store.insertOrder(record, maxActivePaid: 0, audit: audit)
        let outcome = try await store.transition(
            id: "vm-sm", from: [.paymentRequired], change: .state(.provisioned), journal: nil, audit: [])
        guard case .stateConflict(let current) = outcome else {
            Issue.record("payment_required -> provisioned was applied")
            return
        }
        #expect(current.state == .paymentRequired)
        try await store.close()
    }
}
