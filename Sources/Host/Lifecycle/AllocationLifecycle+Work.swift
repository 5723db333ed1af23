import Foundation
import ProvisionerAPI

/// The inputs of the worker that holds the allocation's lease: every decision here is fenced by
/// the epoch it claimed, so a holder that lost its lease commits nothing and runs nothing more.
extension AllocationLifecycle.Rules {
    /// What a claimed allocation needs next. Open journal entries come first: an attempt that
    /// never finished is superseded (its resources torn down, journaled) before a new one starts;
    /// a teardown left open is run again.
    func workClaimed(open: [JournalEntry]) -> AllocationLifecycle.Decision {
        var decision = decision(fenced: true)
        let teardowns = open.filter { $0.operation == .teardown }
        let unfinished = open.filter { $0.operation != .teardown }
        switch record.state {
        case .releasing:
            // The release covers everything the allocation holds, pending teardowns included.
            finish(open, "superseded", in: &decision)
            beginRelease(&decision, auditKind: nil)
        case .paymentRequired:
            finish(open, "stale", in: &decision)
            decision.change.lease = .clear
        case .paid where record.releaseRequested:
            finish(open, "stale", in: &decision)
            finishReleased(&decision)
            decision.audit.append(audit("order.cancelled"))
        case .provisioned, .degraded, .failed, .rolledBack, .released, .paid, .provisioning:
            if record.releaseRequested, [.provisioned, .degraded, .failed].contains(record.state) {
                // A release was acknowledged, then a crash came between two steps: finish it.
                finish(open, "superseded", in: &decision)
                beginRelease(&decision)
            } else if record.releaseRequested, record.state == .rolledBack, open.isEmpty {
                finishReleased(&decision)
                decision.audit.append(audit("release.completed"))
            } else if let pending = teardowns.first {
                finish(unfinished + teardowns.dropFirst(), "superseded", in: &decision)
                decision.effect = .tearDown(teardownTarget(attempt: pending.attempt), entry: pending)
            } else if !unfinished.isEmpty, ![.provisioned, .degraded].contains(record.state) {
                // An attempt (or a release) that never finished: remove what it created first.
                finish(unfinished, "superseded", in: &decision)
                let attempt = unfinished.count == 1 ? unfinished[0].attempt : nil
                let reason: JournalEntry.TeardownReason =
                    [.paid, .provisioning].contains(record.state) ? .supersede : .rollback
                beginTeardown(&decision, attempt: attempt, reason: reason)
                decision.events.append(
                    event("attempt_superseded", "an unfinished \(unfinished.map(\.operation.rawValue)) is rolled back"))
            } else if record.teardownPending {
                beginTeardown(&decision, attempt: nil, reason: .rollback)
            } else if [.paid, .provisioning].contains(record.state) {
                beginAttempt(&decision)
            } else {
                finish(open, "stale", in: &decision)
                decision.change.lease = .clear
            }
        }
        return decision
    }

    /// Claims an allocation nobody holds (its lease is free or expired): a new epoch.
    func takeOver() -> AllocationLifecycle.Decision {
        var decision = decision(fenced: true)
        decision.change.lease = .claim(
            owner: context.leaseOwner, expiresAt: context.now.addingTimeInterval(context.leaseSeconds))
        return decision
    }

    /// The VM exists; measure it before anything is committed.
    func allocateReturned(_ vm: VmAllocation, _ entry: JournalEntry) -> AllocationLifecycle.Decision {
        var decision = decision(fenced: true)
        decision.effect = .runLaunchChecks(vm, entry: entry)
        return decision
    }

    /// Finalize: `provisioned`, or `degraded` when a measured check failed; straight on to the
    /// release when one was requested meanwhile.
    func checksMeasured(
        _ vm: VmAllocation, _ checks: AllocationLifecycle.LaunchChecks, _ entry: JournalEntry
    ) -> AllocationLifecycle.Decision {
        var decision = decision(fenced: true)
        let failed = [("dns_aaaa", checks.dns), ("ssh_smoke", checks.ssh)].filter { $0.1.status == .failed }
        decision.move(to: failed.isEmpty ? .provisioned : .degraded)
        decision.change.vm = vm
        decision.change.dnsCheck = checks.dns
        decision.change.sshCheck = checks.ssh
        decision.change.provisionedAt = context.now
        decision.change.rollbackAvailable = false
        decision.change.lease = .clear
        if !failed.isEmpty {
            decision.change.operatorMessage = failed.map { "\($0.0) failed: \($0.1.detail ?? "no detail")" }
                .joined(separator: "; ")
        }
        finish([entry], "succeeded", in: &decision)
        let detail = [
            vm.backendRef.map { "backend_ref=\($0)" }, "dns_aaaa=\(checks.dns.status.rawValue)",
            "ssh_smoke=\(checks.ssh.status.rawValue)",
        ].compactMap { $0 }.joined(separator: " ")
        decision.audit.append(audit(failed.isEmpty ? "provision.succeeded" : "provision.degraded", detail))
        if record.releaseRequested {
            // Released while it was being provisioned: release it now, still holding the lease.
            let release = newEntry(.release, attempt: nil)
            var target = vm
            target.attempt = nil
            decision.move(to: .releasing)
            decision.change.lease = nil
            decision.journal.append(.begin(release))
            decision.audit.append(audit("release.started"))
            decision.effect = .callRelease(target, entry: release)
        }
        return decision
    }

    /// The attempt failed: record why and tear down what it created (journaled first).
    func allocateFailed(_ error: ProvisionerError, _ entry: JournalEntry) -> AllocationLifecycle.Decision {
        var decision = decision(fenced: true)
        decision.change.failureCode = error.code.rawValue
        decision.change.operatorMessage = error.operatorDetail ?? error.customerMessage
        finish([entry], "failed", in: &decision)
        decision.audit.append(audit("provision.failed", "\(error.code): \(decision.change.operatorMessage ?? "")"))
        if error.code == .deadlineExceeded {
            decision.events.append(event("deadline_exceeded", "allocate exceeded its deadline; tearing down"))
        }
        beginTeardown(&decision, attempt: entry.attempt, reason: .rollback)
        return decision
    }

    /// The VM exists but its commit failed: the order reads `failed` (soft-deleted) and the VM
    /// is torn down.
    func finalizeFailed(_ vm: VmAllocation, _ cause: String, _ entry: JournalEntry) -> AllocationLifecycle.Decision {
        var decision = decision(fenced: true)
        decision.move(to: .failed)
        decision.change.failureCode = ProvisionerError.Code.provisionFailed.rawValue
        decision.change.operatorMessage = "result could not be stored: \(cause)"
        decision.change.rollbackAvailable = false
        decision.change.deletedAt = context.now
        finish([entry], "persistence_failed", in: &decision)
        let detail =
            "backend=\(record.backend) backend_ref=\(vm.backendRef ?? "-") request_id=\(context.requestID ?? "-")"
        decision.audit.append(audit("provision.persistence_failed", detail))
        beginTeardown(&decision, attempt: vm.attempt ?? entry.attempt, reason: .rollback)
        return decision
    }
}
