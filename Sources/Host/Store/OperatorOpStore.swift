public import Foundation

/// The outcome of authorizing a pending op.
public enum BeginOpOutcome: Sendable, Equatable {
    /// The nonce was consumed and the op is `running`; the op as it is now.
    case begun(OperatorOp)
    /// The nonce was used before (on this replica or another, before a restart or after).
    case nonceReplayed
    /// No such op, or it is no longer pending; the op as it is, if any.
    case notPending(OperatorOp?)
}

/// Where the gate keeps operator ops and the nonces signatures consumed (DESIGN.md section 11).
///
/// Nonces are persisted with a unique key, so a signature replayed after a restart, or to another
/// replica sharing the store, is refused by the database.
public protocol OperatorOpStore: Sendable {
    /// Stores a new op with its audit events, in one transaction.
    func insertOperatorOp(_ op: OperatorOp, audit: [AuditEvent]) async throws
    /// One op.
    func operatorOp(id: String) async throws -> OperatorOp?
    /// The newest ops first, at most `limit`.
    func operatorOps(limit: Int) async throws -> [OperatorOp]
    /// The ops in `state`, oldest first.
    func operatorOps(state: OperatorOp.State) async throws -> [OperatorOp]
    /// Whether a signature already consumed `nonce`.
    func isNonceUsed(_ nonce: String) async throws -> Bool
    /// Consumes `nonce` and moves the pending op to `running` (the journal entry of its run),
    /// signed by `signer`, with audit events, in one transaction.
    func beginOperatorOp(id: String, nonce: String, signer: String, now: Date, audit: [AuditEvent]) async throws
        -> BeginOpOutcome
    /// Moves a running op to `done` or `failed` with its outcome and audit events, in one
    /// transaction; `false` when it was not running.
    @discardableResult
    func finishOperatorOp(
        id: String, state: OperatorOp.State, outcome: String, now: Date, audit: [AuditEvent]
    ) async throws -> Bool
}
