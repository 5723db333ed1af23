import Foundation
import Host
import ProvisionerAPI
import Testing

struct LaunchProofStatusTransitionsTests {
    /// Every legal move of DESIGN.md section 6; everything else must be refused.
    static let legal: Set<String> = [
        "payment_required>paid", "payment_required>released",
        "paid>provisioning", "paid>released",
        "provisioning>provisioning", "provisioning>provisioned", "provisioning>degraded", "provisioning>failed",
        "provisioning>rolled_back",
        "provisioned>degraded", "provisioned>releasing", "provisioned>failed",  // vm_gone (reconcile)
        "degraded>provisioned", "degraded>releasing", "degraded>failed",
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
