import Foundation
import Host

/// The gate's store calls, forwarded unchanged.
extension FinalizeFailingStore {
    func insertOperatorOp(_ op: OperatorOp, audit: [AuditEvent]) async throws {
        try await base.insertOperatorOp(op, audit: audit)
    }
    func operatorOp(id: String) async throws -> OperatorOp? { try await base.operatorOp(id: id) }
    func operatorOps(limit: Int) async throws -> [OperatorOp] { try await base.operatorOps(limit: limit) }
    func operatorOps(state: OperatorOp.State) async throws -> [OperatorOp] { try await base.operatorOps(state: state) }
    func isNonceUsed(_ nonce: String) async throws -> Bool { try await base.isNonceUsed(nonce) }
    func beginOperatorOp(id: String, nonce: String, signer: String, now: Date, audit: [AuditEvent]) async throws
        -> BeginOpOutcome
    {
        try await base.beginOperatorOp(id: id, nonce: nonce, signer: signer, now: now, audit: audit)
    }
    func finishOperatorOp(id: String, state: OperatorOp.State, outcome: String, now: Date, audit: [AuditEvent])
        async throws -> Bool
    {
        try await base.finishOperatorOp(id: id, state: state, outcome: outcome, now: now, audit: audit)
    }
}
