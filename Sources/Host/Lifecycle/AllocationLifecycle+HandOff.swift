import Foundation
import ProvisionerAPI

extension AllocationLifecycle {
    /// A worker slot held by whoever executes a decision (the order service, when its worker has
    /// room): the commit that leaves work for a worker claims the allocation for `owner` in the
    /// same transaction, so the worker starts without a claim commit of its own (DESIGN.md
    /// section 8, "Commits").
    public struct HandOff: Sendable, Equatable {
        /// The worker's lease owner name.
        public var owner: String
        /// The allocation's journal entries that were begun and never finished, as read before the
        /// decision (none for a new order).
        public var open: [JournalEntry]

        public init(owner: String, open: [JournalEntry] = []) {
            self.owner = owner
            self.open = open
        }
    }

    /// The first step of the work a new or changed `record` needs, claimed for the hand-off's
    /// worker (a new lease epoch) and, when one move may do both, begun in the same commit;
    /// `nil` when the record needs no worker or a lease on it is live.
    public static func startWork(_ record: AllocationRecord, context: Context) -> Decision? {
        Rules(record: record, context: context).startWork()
    }
}

extension AllocationLifecycle.Rules {
    /// `decision` followed, in the same commit, by the claim (and first step) of the work it
    /// leaves; `nil` when there is no hand-off, or nothing for a worker.
    func handingOff(_ decision: AllocationLifecycle.Decision) -> AllocationLifecycle.Decision? {
        guard context.handOff != nil, decision.writesRow, decision.effect == .none else { return nil }
        let after = decision.change.applied(to: record, now: context.now)
        guard let started = Self(record: after, context: context).startWork() else { return nil }
        // One commit makes one legal move, or two in a row (the decision's, then the first step's:
        // a payment that starts the first attempt, `payment_required` -> `paid` -> `provisioning`).
        let direct = record.state == started.next || record.state.canMove(to: started.next)
        let chained = after.state != record.state && after.state.canMove(to: started.next)
        guard direct || chained else {
            // Claim only; the worker decides the first step.
            var claimed = decision
            claimed.change.lease = started.change.lease
            return claimed
        }
        var merged = started
        merged.from = decision.from
        merged.change = decision.change.followed(by: started.change)
        if !direct { merged.change.via = after.state }
        merged.journal = decision.journal + started.journal
        merged.audit = decision.audit + started.audit
        merged.events = decision.events + started.events
        merged.fenced = decision.fenced
        return merged
    }

    /// Claims `record` for the hand-off's worker and decides what it does first, as
    /// ``workClaimed(open:)`` would; `nil` when the record needs no worker (or its lease is live).
    func startWork() -> AllocationLifecycle.Decision? {
        guard let handOff = context.handOff, record.deletedAt == nil, needsWorker else { return nil }
        if record.leaseOwner != nil, let expires = record.leaseExpiresAt, expires >= context.now { return nil }
        let lease = AllocationChange.Lease.claim(
            owner: handOff.owner, expiresAt: context.now.addingTimeInterval(context.leaseSeconds))
        var claimed = record
        claimed.leaseOwner = handOff.owner
        claimed.leaseEpoch += 1
        var decision = Self(record: claimed, context: context).workClaimed(open: handOff.open.filter(\.isOpen))
        decision.from = [record.state]
        decision.fenced = false
        guard decision.change.lease == nil, decision.effect != .none else {
            // Nothing to start in this commit: claim only.
            var claimOnly = self.decision(fenced: false)
            claimOnly.change.lease = lease
            return claimOnly
        }
        decision.change.lease = lease
        return decision
    }

    /// Whether a worker has something to do (the states ``Store/claimWork`` picks up).
    var needsWorker: Bool {
        LaunchProofStatus.workable.contains(record.state)
            || (record.releaseRequested && LaunchProofStatus.workableWhenReleaseRequested.contains(record.state))
    }
}

extension AllocationChange {
    /// This change, then `next` in the same commit: `next`'s fields win where both set one.
    func followed(by next: AllocationChange) -> AllocationChange {
        var merged = self
        if let state = next.state { merged.state = state }
        if let value = next.paymentStatus { merged.paymentStatus = value }
        if let value = next.paymentReference { merged.paymentReference = value }
        if let value = next.releaseRequested { merged.releaseRequested = value }
        if let value = next.vm { merged.vm = value }
        if let value = next.customerMessage { merged.customerMessage = value }
        if let value = next.operatorMessage { merged.operatorMessage = value }
        if let value = next.failureCode { merged.failureCode = value }
        if let value = next.rollbackAvailable { merged.rollbackAvailable = value }
        if let value = next.teardownFailures { merged.teardownFailures = value }
        if let value = next.lease { merged.lease = value }
        merged.incrementAttempts = incrementAttempts || next.incrementAttempts
        if let value = next.provisionedAt { merged.provisionedAt = value }
        if let value = next.releasedAt { merged.releasedAt = value }
        if let value = next.deletedAt { merged.deletedAt = value }
        if let value = next.dnsCheck { merged.dnsCheck = value }
        if let value = next.sshCheck { merged.sshCheck = value }
        merged.clearFailure = clearFailure || next.clearFailure
        return merged
    }
}
