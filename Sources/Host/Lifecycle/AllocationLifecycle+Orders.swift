import Foundation
import ProvisionerAPI

/// The inputs that come from the onboarding service: payment, release, retry.
extension AllocationLifecycle.Rules {
    /// `paid` clears the order for provisioning; any other status is recorded and changes
    /// nothing (fail safe: never `paid` by inference).
    func paymentRecorded(_ status: String, _ reference: String?) throws -> AllocationLifecycle.Decision {
        var decision = decision(fenced: false)
        guard record.paymentStatus != .notRequired else {
            throw Self.conflict("This order's plan needs no payment.")
        }
        guard PaymentStatusMapping.map(status) == .paid else {
            decision.audit.append(audit("payment.not_paid", "status=\(status)"))
            return decision
        }
        if record.paymentStatus == .paid { return decision }  // idempotent: already paid
        guard record.state == .paymentRequired else {
            throw Self.conflict("A payment cannot be recorded while the VM is \(record.state.rawValue).")
        }
        decision.move(to: .paid)
        decision.change.paymentStatus = .paid
        decision.change.paymentReference = reference
        decision.audit.append(audit("payment.recorded", reference.map { "reference=\($0)" }))
        return decision
    }

    /// Before payment the order is cancelled at once; an allocation being provisioned is released
    /// as soon as its attempt ends; a delivered (or failed) VM moves to `releasing` for a worker.
    /// Idempotent: a release already under way changes nothing.
    func releaseRequested() -> AllocationLifecycle.Decision {
        var decision = decision(fenced: false)
        switch record.state {
        case .released, .releasing:
            return decision
        case .paymentRequired, .rolledBack:
            finishReleased(&decision)
        case .paid, .provisioning:
            if record.releaseRequested { return decision }
        case .provisioned, .degraded, .failed:
            decision.move(to: .releasing)
            // A worker claims it (and fences out a teardown retry waiting in backoff).
            decision.change.lease = .clear
        }
        decision.change.releaseRequested = true
        decision.audit.append(audit("release.requested"))
        return decision
    }

    /// A failed launch that left nothing behind goes back to `paid`, claimed by the caller (a new
    /// epoch) so it provisions it synchronously while workers leave it alone.
    func retryRequested() throws -> AllocationLifecycle.Decision {
        guard [.failed, .rolledBack].contains(record.state), record.rollbackAvailable, !record.releaseRequested,
            !record.teardownPending
        else {
            throw Self.conflict(
                "Only a failed launch that left nothing behind can be retried; this VM is \(record.state.rawValue).")
        }
        var decision = decision(fenced: false)
        decision.move(to: .paid)
        decision.change.clearFailure = true
        decision.change.lease = .claim(
            owner: context.leaseOwner, expiresAt: context.now.addingTimeInterval(context.leaseSeconds))
        decision.audit.append(audit("provision.retry_requested"))
        return decision
    }
}
