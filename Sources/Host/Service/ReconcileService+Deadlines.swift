import Foundation
import Logging
import ProvisionerAPI
import Synchronization

/// Deadlines and pending teardowns: reconcile executes the lifecycle's decisions for them.
extension ReconcileService {
    /// Fails allocations whose `provisioning` or `releasing` outlived its deadline (taking them
    /// over from a stuck holder and tearing down what was created), and quarantines pool VMs whose
    /// reset outlived its own.
    func enforceDeadlines(now: Date, report: PassTally) async {
        let limits: [(LaunchProofStatus, JournalEntry.Operation, Int)] = [
            (.provisioning, .allocate, configuration.provisioningDeadlineSeconds),
            (.releasing, .release, configuration.releasingDeadlineSeconds),
        ]
        for (state, operation, seconds) in limits {
            let records = (try? await allAllocations(in: state)) ?? []
            await forEach(records) { record in
                let entries = try await self.store.journalEntries(allocationID: record.id)
                guard let started = Self.transientSince(record, entries: entries, operation: operation),
                    now.timeIntervalSince(started) > TimeInterval(seconds)
                else { return }
                let after = try await self.provisioning.drive(
                    record, .deadlinePassed(seconds: seconds, open: entries.filter(\.isOpen)), actor: "reconcile",
                    leaseOwner: "reconcile", logger: self.logger)
                self.tally("deadline_exceeded", report)
                self.logger.warning(
                    "allocation failed: deadline exceeded",
                    metadata: [
                        "allocation.id": "\(record.id)", "state": "\(record.state)",
                        "teardown_pending": "\(after.teardownPending)",
                    ])
            }
        }
        await quarantineStaleCleaning(now: now, report: report)
    }

    /// When the allocation entered its transient state: the first journal entry of the current
    /// attempt, or its last update.
    static func transientSince(
        _ record: AllocationRecord, entries: [JournalEntry], operation: JournalEntry.Operation
    ) -> Date? {
        let entries = entries.filter { $0.operation == operation }
        if operation == .release {
            return entries.first?.startedAt ?? record.updatedAt
        }
        // Provisioning: the attempt that is still open (a retry starts a new clock).
        return entries.last(where: \.isOpen)?.startedAt ?? entries.last?.startedAt ?? record.updatedAt
    }

    /// Retries rollback teardowns that failed before, once their backoff (a lease) ran out.
    func retryPendingTeardowns(now: Date, report: PassTally) async {
        let due = (try? await store.allocationsWithTeardownDue(now: now, limit: 1000)) ?? []
        await forEach(due) { record in
            let after = try await self.provisioning.takeOver(
                record, actor: "reconcile", leaseOwner: "reconcile", logger: self.logger)
            self.tally("teardown_retried", report)
            if !after.teardownPending { self.tally("teardown_finished", report) }
        }
    }

    private func quarantineStaleCleaning(now: Date, report: PassTally) async {
        let before = now.addingTimeInterval(-TimeInterval(configuration.cleaningDeadlineSeconds))
        guard
            let stale = try? await store.resourceClaims(
                namespace: backend.name, state: .cleaning, updatedBefore: before)
        else { return }
        for claim in stale {
            let detail = "cleaning for more than \(configuration.cleaningDeadlineSeconds) s; quarantined"
            let audit = AuditEvent(
                at: Date(), kind: "\(backend.name).vm_quarantined", allocationID: claim.allocationID, userID: nil,
                actor: "reconcile", requestID: nil, detail: detail)
            do {
                guard
                    try await store.setClaimState(
                        namespace: backend.name, resource: claim.resource, allocationID: claim.allocationID,
                        state: .quarantined, note: "deadline_exceeded: \(detail)", now: Date(), audit: [audit])
                else { continue }
            } catch {
                logger.eventsNotRecorded(audit: [audit], error: error)
                continue
            }
            await emit(
                LifecycleEvent(
                    at: Date(), kind: "deadline_exceeded", allocationID: claim.allocationID, backend: backend.name,
                    backendRef: claim.resource, detail: detail), report)
        }
    }
}
