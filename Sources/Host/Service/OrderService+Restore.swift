public import Foundation
public import Logging
public import ProvisionerAPI

extension OrderService {
    /// Restores a released allocation whose VM the backend kept (`on_release:
    /// halt_then_destroy`): a new allocation for the same user, plan, hostname and keys, paid as
    /// the old one was, that adopts the kept VM (``AllocationRecord/restoredFrom``). The worker
    /// provisions it like any order, so the launch checks run again.
    ///
    /// Asking twice for the same allocation answers the first restore (the idempotency key is
    /// derived from the old id).
    ///
    /// - Returns: The new allocation, and whether it was made by an earlier request.
    /// - Throws: `not_found`; `state_conflict` when the allocation is not released, the backend kept
    ///   nothing for it, or its grace period passed; `quota_exceeded`.
    public func restore(id: String, requestID: String?, logger: Logger) async throws
        -> (record: AllocationRecord, replayed: Bool)
    {
        let old = try await allocation(id: id)
        let key = "restore-of-\(old.id)"
        if let existing = try await store.allocation(idempotencyKey: key) { return (existing, true) }
        guard old.state == .released else {
            throw Self.restoreConflict("Only a released VM can be restored; this one is \(old.state.rawValue).")
        }
        guard let retaining = backend as? any ReleaseRetaining else {
            throw Self.restoreConflict("The \(backend.name) backend keeps no released VM to restore.")
        }
        let kept = try await retaining.retainedReleases(logger: logger).first { $0.allocationID == old.id }
        guard let kept else {
            throw Self.restoreConflict("Nothing is kept for this VM: it was destroyed, or never kept.")
        }
        let now = Date()
        guard now < kept.destroyAfter else {
            throw Self.restoreConflict("The grace period of this VM has passed; it can no longer be restored.")
        }
        let plan = configuration.plans[old.plan] ?? PlanSpec(name: old.plan, priceCents: old.priceCents)
        var record = AllocationRecord(
            id: Self.newAllocationID(), userID: old.userID, plan: plan, backend: backend.name,
            isDemo: backend.isDemo, hostname: old.hostname, sshKeys: old.sshKeys, openPorts: old.openPorts,
            metadata: old.metadata, idempotencyKey: key, requestFingerprint: "restore", now: now)
        record.state = .paid
        record.paymentStatus = old.paymentStatus == .paymentRequired ? .notRequired : old.paymentStatus
        record.paymentReference = old.paymentReference
        record.customerMessage = CustomerMessages.text(for: .paid)
        record.restoredFrom = old.id
        let audit = AuditEvent(
            at: now, kind: "order.created", allocationID: record.id, userID: record.userID, actor: "admin",
            requestID: requestID, detail: "restore of \(old.id) plan=\(plan.name)")
        switch try await store.insertOrder(
            record, maxActivePaid: configuration.limits.maxPaidVMsPerUser, reservation: nil, audit: audit)
        {
        case .created(let created):
            try await store.appendEvents([
                LifecycleEvent(
                    at: now, kind: "vm_restored", allocationID: created.id, backend: backend.name,
                    backendRef: kept.backendRef, detail: "restored_from=\(old.id)")
            ])
            metrics.lifecycleEvent(kind: "vm_restored")
            logger.notice(
                "released VM restored into a new allocation",
                metadata: ["allocation.id": "\(created.id)", "restored_from": "\(old.id)"])
            signal.notify()
            return (created, false)
        case .replayed(let existing):
            return (existing, true)
        case .idempotencyConflict:
            throw Self.restoreConflict("This VM is being restored already.")
        case .quotaExceeded(let active, let limit):
            throw ProvisionerError(
                code: .quotaExceeded, isRetryable: false,
                customerMessage: "This user already has \(active) active paid machines; the limit is \(limit).")
        case .capacityExhausted:
            throw ProvisionerError.capacityUnavailable("no capacity for the restore")
        }
    }

    static func restoreConflict(_ message: String) -> ProvisionerError {
        ProvisionerError(code: .stateConflict, isRetryable: false, customerMessage: message)
    }
}
