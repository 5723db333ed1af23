import Foundation
import ProvisionerAPI

/// The outcomes of teardowns and releases, decided for the holder of the lease.
extension AllocationLifecycle.Rules {
    /// Nothing the teardown was for is left: the journal entry closes, `rollback_available` turns
    /// true, and a superseded attempt is followed by a new one in the same commit.
    func teardownSucceeded(_ entry: JournalEntry) -> AllocationLifecycle.Decision {
        var decision = decision(fenced: true)
        finish([entry], "succeeded", in: &decision)
        decision.change.teardownFailures = 0
        decision.audit.append(audit("teardown.succeeded", "attempt=\(entry.attempt.map(String.init) ?? "all")"))
        if record.teardownPending {
            decision.events.append(event("teardown_finished", "the pending teardown finished; nothing is left"))
        }
        switch record.state {
        case .provisioning where record.releaseRequested, .paid where record.releaseRequested:
            finishReleased(&decision)
            decision.audit.append(audit("release.completed"))
        case .provisioning where entry.step == JournalEntry.TeardownReason.supersede.rawValue, .paid:
            beginAttempt(&decision)
        case .provisioning:
            decision.move(
                to: record.failureCode == ProvisionerError.Code.deadlineExceeded.rawValue ? .failed : .rolledBack)
            decision.change.rollbackAvailable = true
            decision.change.lease = .clear
        case .failed, .rolledBack:
            decision.change.rollbackAvailable = true
            decision.change.lease = .clear
        case .paymentRequired, .provisioned, .degraded, .releasing, .released:
            decision.change.lease = .clear
        }
        return decision
    }

    /// The teardown failed: its journal entry stays open, the allocation reads `failed` with
    /// `teardown_pending`, and reconcile retries it after a growing backoff.
    func teardownFailed(_ error: ProvisionerError, _ entry: JournalEntry) -> AllocationLifecycle.Decision {
        var decision = decision(fenced: true)
        let failures = record.teardownFailures + 1
        if [.paid, .provisioning].contains(record.state) {
            decision.move(to: .failed)
            if record.failureCode == nil { decision.change.failureCode = "teardown_failed" }
        }
        decision.change.teardownFailures = failures
        decision.change.rollbackAvailable = false
        decision.change.operatorMessage =
            [
                record.operatorMessage,
                "teardown failed (\(failures)x): \(error.operatorDetail ?? error.customerMessage)",
            ]
            .compactMap { $0 }.joined(separator: "; ")
        let retryAt = context.now.addingTimeInterval(teardownBackoff(failures: failures))
        decision.change.lease = .set(owner: "teardown-backoff", expiresAt: retryAt)
        decision.audit.append(
            audit("teardown.failed", "\(error.code) attempt=\(entry.attempt.map(String.init) ?? "all")"))
        if !record.teardownPending {
            decision.events.append(event("teardown_pending", "teardown failed; reconcile retries it with backoff"))
        }
        return decision
    }

    /// The delivered VM is released.
    func releaseSucceeded(_ entry: JournalEntry) -> AllocationLifecycle.Decision {
        var decision = decision(fenced: true)
        finishReleased(&decision)
        decision.change.teardownFailures = 0
        finish([entry], "succeeded", in: &decision)
        decision.audit.append(audit("release.completed"))
        if record.teardownPending {
            decision.events.append(event("teardown_finished", "the release removed what the pending teardown was for"))
        }
        return decision
    }

    /// The release failed: it stays `releasing`, leased out for a while so a worker tries again.
    func releaseFailed(_ error: ProvisionerError, _ entry: JournalEntry) -> AllocationLifecycle.Decision {
        var decision = decision(fenced: true)
        finish([entry], "failed", in: &decision)
        decision.change.operatorMessage = "release failed: \(error)"
        decision.change.lease = .set(
            owner: "retry-backoff", expiresAt: context.now.addingTimeInterval(context.releaseRetryDelay))
        decision.audit.append(audit("release.failed", "\(error)"))
        return decision
    }

    /// A transient state outlived its deadline: reconcile takes the allocation over (a new epoch
    /// fences out the stuck holder), marks it failed and tears down what was created.
    func deadlinePassed(_ seconds: Int, open: [JournalEntry]) -> AllocationLifecycle.Decision {
        var decision = decision(fenced: true)
        guard [.provisioning, .releasing].contains(record.state) else { return decision }
        let state = record.state.rawValue
        decision.move(to: .failed)
        decision.change.failureCode = ProvisionerError.Code.deadlineExceeded.rawValue
        decision.change.operatorMessage = "\(state) exceeded its deadline of \(seconds) s"
        decision.change.rollbackAvailable = false
        decision.change.lease = .claim(
            owner: context.leaseOwner, expiresAt: context.now.addingTimeInterval(context.leaseSeconds))
        finish(open, "deadline_exceeded", in: &decision)
        decision.audit.append(audit("deadline.exceeded", decision.change.operatorMessage))
        decision.events.append(event("deadline_exceeded", "\(state) for more than \(seconds) s"))
        let attempts = open.filter { $0.operation == .allocate }.compactMap(\.attempt)
        let attempt = record.state == .provisioning && attempts.count == 1 ? attempts[0] : nil
        beginTeardown(&decision, attempt: attempt, reason: .rollback)
        return decision
    }

    /// Drift of a delivered VM: events, and `failed` (`vm_gone`) when the backend lost it.
    func statusObserved(_ previous: VmStatus.PowerState, _ current: VmStatus) -> AllocationLifecycle.Decision {
        var decision = decision(fenced: false)
        guard [.provisioned, .degraded].contains(record.state) else { return decision }
        let observed: (kind: String, detail: String)? =
            switch (previous, current.powerState) {
            case (_, .gone): ("vm_gone", "the backend no longer has this VM")
            case (.running, .stopped): ("vm_stopped", "the VM was running and is stopped")
            case (.stopped, .running), (.unknown, .running): ("vm_recovered", "the VM runs again")
            default: nil
            }
        guard let observed else { return decision }
        let detail = [observed.detail, current.operatorDetail].compactMap { $0 }.joined(separator: "; ")
        decision.events.append(event(observed.kind, detail))
        if current.powerState == .gone {
            decision.move(to: .failed)
            decision.change.failureCode = "vm_gone"
            decision.change.operatorMessage = detail
            decision.audit.append(audit("reconcile.vm_gone", detail))
        }
        return decision
    }
}
