public import Foundation
public import Logging
public import ProvisionerAPI

/// A worker's write was refused: another attempt claimed the allocation since this one did.
/// The holder stops at once and tears nothing down.
public struct LeaseLostError: Error, CustomStringConvertible {
    public var allocationID: String
    /// The epoch the stale holder had.
    public var heldEpoch: Int
    /// Why it knows: a refused write, or renewals that kept failing.
    public var reason: String

    public var description: String {
        "lease_lost: allocation \(allocationID) epoch \(heldEpoch) (\(reason))"
    }

    /// The error a synchronous caller gets.
    var provisionerError: ProvisionerError {
        ProvisionerError(
            code: .leaseLost, isRetryable: true, customerMessage: "The VM is being worked on elsewhere; please retry.",
            operatorDetail: description)
    }
}

/// Commits ``AllocationLifecycle`` decisions: one transaction each, conditional on the state the
/// decision was made in and, for a worker's decisions, on the lease epoch it holds. The only
/// code that writes an allocation's state.
public struct LifecycleCommitter: Sendable {
    let store: any Store
    let metrics: ServiceMetrics

    public init(store: any Store, metrics: ServiceMetrics) {
        self.store = store
        self.metrics = metrics
    }

    /// Commits `decision`, made about `record`.
    ///
    /// - Returns: The record as it is afterwards.
    /// - Throws: ``LeaseLostError`` when fenced out; `not_found`; `state_conflict` (the record
    ///   changed under the decision: decide again); a store error when the commit failed.
    public func commit(
        _ decision: AllocationLifecycle.Decision, on record: AllocationRecord, logger: Logger
    ) async throws -> AllocationRecord {
        guard decision.writesRow else {
            // Events alone (a payment that does not pay, drift): appended, never silently dropped.
            await store.appendAuditLogging(decision.audit, logger: logger)
            await appendEvents(decision.events, logger: logger)
            return record
        }
        let outcome = try await store.transition(
            id: record.id, from: decision.from, change: decision.change, journal: decision.journal,
            audit: decision.audit, events: decision.events, fence: decision.fenced ? record.leaseEpoch : nil,
            claims: decision.claims)
        switch outcome {
        case .applied(let updated):
            for event in decision.events { metrics.lifecycleEvent(kind: event.kind) }
            return updated
        case .notFound:
            throw ProvisionerError.notFound("No VM with this id.")
        case .stateConflict(let current):
            throw ProvisionerError(
                code: .stateConflict, isRetryable: true, customerMessage: "The VM is changing state; please retry.",
                operatorDetail: "decided in \(record.state.rawValue), found \(current.state.rawValue)")
        case .leaseLost(let current):
            throw LeaseLostError(
                allocationID: record.id, heldEpoch: record.leaseEpoch,
                reason: "write refused; the allocation is at epoch \(current.leaseEpoch)")
        }
    }

    /// Records that a stale holder stopped (audit `lease.lost`, lifecycle `lease_lost`).
    public func noteLeaseLost(_ error: LeaseLostError, record: AllocationRecord, actor: String, logger: Logger) async {
        logger.notice(
            "lease lost: another attempt took over; stopping without tearing down",
            metadata: [
                "allocation.id": "\(record.id)", "lease.epoch": "\(error.heldEpoch)", "reason": "\(error.reason)",
            ])
        let at = Date()
        await store.appendAuditLogging(
            [
                AuditEvent(
                    at: at, kind: "lease.lost", allocationID: record.id, userID: record.userID, actor: actor,
                    requestID: nil, detail: error.description)
            ], logger: logger)
        await appendEvents(
            [
                LifecycleEvent(
                    at: at, kind: "lease_lost", allocationID: record.id, backend: record.backend,
                    detail: error.description)
            ], logger: logger)
    }

    func appendEvents(_ events: [LifecycleEvent], logger: Logger) async {
        guard await store.appendEventsLogging(events, logger: logger) else { return }
        for event in events { metrics.lifecycleEvent(kind: event.kind) }
    }
}
