import Foundation
import ProvisionerAPI

extension AllocationLifecycle {
    /// The decision rules for one record in one context; one method per input.
    struct Rules {
        let record: AllocationRecord
        let context: Context

        /// A decision that starts from the record's state and commits nothing yet.
        func decision(fenced: Bool) -> Decision { Decision(record: record, fenced: fenced) }

        func audit(_ kind: String, _ detail: String? = nil) -> AuditEvent {
            AuditEvent(
                at: context.now, kind: kind, allocationID: record.id, userID: record.userID, actor: context.actor,
                requestID: context.requestID, detail: detail)
        }

        func event(_ kind: String, _ detail: String?, backendRef: String? = nil) -> LifecycleEvent {
            LifecycleEvent(
                at: context.now, kind: kind, allocationID: record.id, backend: record.backend,
                backendRef: backendRef ?? record.vm?.backendRef, detail: detail)
        }

        /// A journal entry begun by this decision.
        func newEntry(_ operation: JournalEntry.Operation, step: String = "started", attempt: Int?) -> JournalEntry {
            JournalEntry(
                opID: context.newOpID, allocationID: record.id, backend: record.backend, operation: operation,
                step: step, startedAt: context.now, attempt: attempt)
        }

        /// What a teardown of `attempt` removes: that attempt's resources, or with `nil` everything
        /// the allocation holds (the delivered VM included).
        func teardownTarget(attempt: Int?) -> VmAllocation {
            VmAllocation(
                allocationID: record.id, backend: record.backend,
                backendRef: attempt == nil ? record.vm?.backendRef : nil, attempt: attempt)
        }

        /// The delivered VM, or a bare one (release finds it by allocation id).
        var releaseTarget: VmAllocation {
            var target = record.vm ?? VmAllocation(allocationID: record.id, backend: record.backend)
            target.attempt = nil
            return target
        }

        /// Begins a teardown of `attempt` in `decision` (journaled before it starts).
        func beginTeardown(
            _ decision: inout Decision, attempt: Int?, reason: JournalEntry.TeardownReason
        ) {
            let teardown = newEntry(.teardown, step: reason.rawValue, attempt: attempt)
            decision.journal.append(.begin(teardown))
            decision.audit.append(
                audit("teardown.started", "attempt=\(attempt.map(String.init) ?? "all") reason=\(reason.rawValue)"))
            decision.effect = .tearDown(teardownTarget(attempt: attempt), entry: teardown)
        }

        /// Starts a new attempt: `provisioning`, journaled, with the attempt the lease epoch.
        func beginAttempt(_ decision: inout Decision) {
            let attempt = newEntry(.allocate, attempt: record.leaseEpoch)
            decision.move(to: .provisioning)
            decision.change.incrementAttempts = true
            decision.journal.append(.begin(attempt))
            decision.audit.append(audit("provision.started", "attempt=\(record.leaseEpoch)"))
            decision.effect = .callAllocate(entry: attempt)
        }

        /// Moves to `releasing` and begins the release of the delivered VM.
        func beginRelease(_ decision: inout Decision, auditKind: String? = "release.started") {
            let release = newEntry(.release, attempt: nil)
            decision.move(to: .releasing)
            decision.journal.append(.begin(release))
            if let auditKind { decision.audit.append(audit(auditKind)) }
            decision.effect = .callRelease(releaseTarget, entry: release)
        }

        /// Moves to `released`: nothing is left.
        func finishReleased(_ decision: inout Decision) {
            decision.move(to: .released)
            decision.change.releasedAt = context.now
            decision.change.lease = .clear
        }

        /// Finishes journal entries in the same transaction.
        func finish(_ entries: [JournalEntry], _ outcome: String, in decision: inout Decision) {
            decision.journal += entries.map { .finish(opID: $0.opID, outcome: outcome) }
        }

        /// The wait before the next try after `failures` failed teardowns.
        func teardownBackoff(failures: Int) -> TimeInterval {
            min(context.teardownRetryMax, context.teardownRetryBase * pow(2, Double(max(0, min(failures - 1, 16)))))
        }

        /// Refuses a backend outcome that cannot belong to the record's state (a stale report).
        func requireState(for input: Input) throws {
            let allowed: Set<LaunchProofStatus>
            switch input {
            case .allocateReturned, .checksMeasured, .allocateFailed, .finalizeFailed: allowed = [.provisioning]
            case .releaseSucceeded, .releaseFailed: allowed = [.releasing]
            case .teardownSucceeded, .teardownFailed: allowed = [.paid, .provisioning, .failed, .rolledBack, .released]
            default: return
            }
            guard allowed.contains(record.state) else {
                throw Self.conflict("A backend outcome does not apply while the VM is \(record.state.rawValue).")
            }
        }

        static func conflict(_ message: String) -> ProvisionerError {
            ProvisionerError(code: .stateConflict, isRetryable: false, customerMessage: message)
        }
    }
}
