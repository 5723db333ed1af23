public import Foundation
public import Logging
public import ProvisionerAPI

/// Takes orders, payments and release requests from the API and records them in the store.
///
/// It never calls a backend's `allocate` or `release`: it commits the intent and wakes the
/// ``ProvisioningWorker``, which does the backend work from the store.
public struct OrderService: Sendable {
    let store: any Store
    let backend: any Provisioner
    let configuration: HostConfiguration
    let signal: WorkSignal
    let metrics: ServiceMetrics

    public init(
        store: any Store, backend: any Provisioner, configuration: HostConfiguration, signal: WorkSignal,
        metrics: ServiceMetrics
    ) {
        self.store = store
        self.backend = backend
        self.configuration = configuration
        self.signal = signal
        self.metrics = metrics
    }

    /// Accepts an order, or returns the one already made under the same idempotency key.
    ///
    /// Records the user (and their `forge_id`, when the order carries one) before the order. When
    /// the backend counts its capacity (``CapacityCounting``), the order reserves a slot in the
    /// transaction that stores it, and holds it until it is provisioned, released, or (unpaid) its
    /// payment window passes; so a full backend refuses the order now, never after payment.
    ///
    /// - Throws: `invalid_request` (a bad field), `capacity_unavailable` (the backend cannot prove
    ///   room), `pool_exhausted` (every pool VM is held or reserved), `idempotency_conflict`,
    ///   `quota_exceeded`.
    public func createOrder(
        _ order: NewOrder, idempotencyKey: String?, requestID: String?, logger: Logger
    ) async throws -> (record: AllocationRecord, replayed: Bool) {
        try order.validate(plans: configuration.plans, limits: configuration.limits)
        let plan = configuration.plans[order.plan]!
        if let key = idempotencyKey, let existing = try await replay(key: key, order: order) {
            return (existing, true)
        }
        let slots: CapacitySlots?
        do {
            try await checkCapacity(plan: plan, logger: logger)
            slots = try await capacitySlots(plan: plan, logger: logger)
        } catch {
            // A concurrent request with the same key (maybe on another replica) may have taken
            // the last capacity for this very order: answer with that order, not a refusal.
            if let key = idempotencyKey, let existing = try await replay(key: key, order: order) {
                return (existing, true)
            }
            throw error
        }
        let now = Date()
        let record = AllocationRecord(
            id: Self.newAllocationID(), userID: order.userID, plan: plan, backend: backend.name,
            isDemo: backend.isDemo, hostname: order.hostname, sshKeys: order.sshKeys, openPorts: order.openPorts,
            metadata: order.metadata, idempotencyKey: idempotencyKey, requestFingerprint: order.fingerprint, now: now)
        let audit = AuditEvent(
            at: now, kind: "order.created", allocationID: record.id, userID: record.userID, actor: "service",
            requestID: requestID, detail: "plan=\(plan.name) payment=\(record.paymentStatus.rawValue)")
        let reservation = slots.map {
            ReservationLimit(
                namespace: backend.name, slots: $0, paymentWindowSeconds: configuration.limits.paymentWindowSeconds,
                now: now)
        }
        // The user is recorded in the same transaction, before the order (a nil forge id keeps
        // the stored one). An order that needs no payment is claimed for this process's worker
        // and its first attempt begun in that commit too, when the worker has room.
        var insertion = OrderInsertion(
            record: record, user: .init(id: order.userID, forgeID: order.forgeID),
            maxActivePaid: configuration.limits.maxPaidVMsPerUser, reservation: reservation, audit: [audit])
        let handOff = HandOffSlot(signal: signal)
        defer { handOff.cancelUnlessDelivered() }
        var start: AllocationLifecycle.Decision?
        if let owner = handOff.owner {
            start = AllocationLifecycle.startWork(
                record, context: lifecycleContext(requestID: requestID, now: now, handOff: .init(owner: owner)))
        }
        if let start {
            insertion.record = start.change.applied(to: record, now: now)
            insertion.journal = start.journal
            insertion.audit += start.audit
            insertion.events = start.events
        }
        switch try await store.insertOrder(insertion) {
        case .created(let created):
            metrics.orderCreated(plan: plan.name)
            for event in insertion.events { metrics.lifecycleEvent(kind: event.kind) }
            logger.info(
                "order created",
                metadata: ["allocation.id": "\(created.id)", "user.id": "\(created.userID)", "plan": "\(plan.name)"])
            if let start {
                handOff.deliver(.init(record: created, effect: start.effect))
            } else if created.state == .paid {
                signal.notify()
            }
            return (created, false)
        case .replayed(let existing):
            return (existing, true)
        case .idempotencyConflict:
            throw Self.idempotencyConflict()
        case .quotaExceeded(let active, let limit):
            throw ProvisionerError(
                code: .quotaExceeded, isRetryable: false,
                customerMessage: "This user already has \(active) active paid machines; the limit is \(limit).")
        case .capacityExhausted(let reserved, let limit):
            logger.info(
                "order refused: the backend's capacity is reserved",
                metadata: ["user.id": "\(record.userID)", "plan": "\(plan.name)", "backend.name": "\(backend.name)"])
            let detail =
                "backend \(backend.name) holds or has reserved \(reserved) of \(limit) slots (plan \(plan.name))"
            throw slots?.exhaustedCode == .poolExhausted
                ? ProvisionerError.poolExhausted(detail) : ProvisionerError.capacityUnavailable(detail)
        }
    }

    /// The order already made under `key`, when the request is the same; a conflict when not.
    private func replay(key: String, order: NewOrder) async throws -> AllocationRecord? {
        guard let existing = try await store.allocation(idempotencyKey: key) else { return nil }
        guard existing.requestFingerprint == order.fingerprint else { throw Self.idempotencyConflict() }
        return existing
    }

    /// Records a payment update. `paid` clears the order for provisioning; any other status
    /// leaves it waiting for payment (fail safe: never `paid` by inference).
    ///
    /// - Throws: `not_found`, `state_conflict`.
    public func recordPayment(
        id: String, status: String, reference: String?, requestID: String?, logger: Logger
    ) async throws -> AllocationRecord {
        let updated = try await decideAndCommit(
            id: id, .paymentRecorded(status: status, reference: reference), requestID: requestID, handingOff: true,
            logger: logger)
        if updated.paymentStatus == .paid {
            logger.info("payment recorded", metadata: ["allocation.id": "\(id)"])
        }
        return updated
    }

    /// Asks for the VM to be released. Idempotent: releasing a released VM returns it as it is.
    ///
    /// Before payment the order is cancelled at once; an allocation being provisioned is released
    /// as soon as its attempt ends; a delivered VM moves to `releasing` for the worker.
    public func requestRelease(id: String, requestID: String?, logger: Logger) async throws -> AllocationRecord {
        let updated = try await decideAndCommit(
            id: id, .releaseRequested, requestID: requestID, handingOff: true, logger: logger)
        logger.info("release requested", metadata: ["allocation.id": "\(id)", "state": "\(updated.state)"])
        return updated
    }

    /// Moves a failed launch that left nothing behind back to `paid`, claimed by the caller (a
    /// new lease epoch) so the worker leaves it alone while the caller provisions it synchronously.
    ///
    /// - Throws: `not_found`, or `state_conflict` when the launch did not fail or may have left
    ///   something behind (`rollback_available` is false).
    public func prepareRetry(id: String, requestID: String?, leaseSeconds: Int, logger: Logger) async throws
        -> AllocationRecord
    {
        try await decideAndCommit(
            id: id, .retryRequested, requestID: requestID, leaseOwner: "retry-\(requestID ?? id)",
            leaseSeconds: leaseSeconds, logger: logger)
    }

    /// Decides `input` for the allocation as stored and commits it; when the allocation moved
    /// meanwhile (a worker finished a step), decides again on the new record.
    ///
    /// With `handingOff`, work the commit leaves for a worker is claimed for this process's
    /// worker in the same commit when it has room (``WorkHandOffs``); otherwise the worker is
    /// told to look in the store.
    private func decideAndCommit(
        id: String, _ input: AllocationLifecycle.Input, requestID: String?, leaseOwner: String = "service",
        leaseSeconds: Int = 300, handingOff: Bool = false, logger: Logger
    ) async throws -> AllocationRecord {
        let committer = LifecycleCommitter(store: store, metrics: metrics)
        let handOff = HandOffSlot(signal: handingOff ? signal : nil)
        defer { handOff.cancelUnlessDelivered() }
        for _ in 0..<5 {
            let record = try await allocation(id: id)
            var context = AllocationLifecycle.Context(
                actor: "service", requestID: requestID, leaseOwner: leaseOwner,
                leaseSeconds: TimeInterval(leaseSeconds))
            if let owner = handOff.owner {
                // What the worker would find open when it claims the allocation (a read, no commit).
                let open = try await store.journalEntries(allocationID: id).filter(\.isOpen)
                context = lifecycleContext(
                    requestID: requestID, now: context.now, handOff: .init(owner: owner, open: open))
            }
            let decision = try AllocationLifecycle.decide(record, input, context: context)
            if decision.isNoOp { return record }
            let updated: AllocationRecord
            do {
                updated = try await committer.commit(decision, on: record, logger: logger)
            } catch let error as ProvisionerError where error.code == .stateConflict {
                continue  // the state moved under us: decide again
            }
            if let owner = handOff.owner, case .claim(owner, _) = decision.change.lease {
                handOff.deliver(.init(record: updated, effect: decision.effect))
            } else if handingOff, decision.writesRow {
                signal.notify()
            }
            return updated
        }
        throw ProvisionerError(
            code: .stateConflict, isRetryable: true, customerMessage: "The VM is changing state; please retry.")
    }

    /// One allocation, or `not_found`. Soft-deleted rows are failed orders whose result could not
    /// be stored; they stay readable so the caller sees `failed` with `rollback_available`.
    public func allocation(id: String) async throws -> AllocationRecord {
        guard let record = try await store.allocation(id: id) else {
            throw ProvisionerError.notFound("No VM with this id.")
        }
        return record
    }

    /// A user's allocations, newest first.
    public func allocations(userID: String) async throws -> [AllocationRecord] {
        try await store.allocations(userID: userID)
    }

    /// The user's forge id, if one was ever given.
    public func forgeID(userID: String) async throws -> String? {
        try await store.user(id: userID)?.forgeID
    }

    /// The context of a decision that hands work to this process's worker.
    private func lifecycleContext(requestID: String?, now: Date, handOff: AllocationLifecycle.HandOff)
        -> AllocationLifecycle.Context
    {
        AllocationLifecycle.Context(
            now: now, actor: "service", requestID: requestID, leaseOwner: handOff.owner,
            leaseSeconds: TimeInterval(configuration.worker.leaseSeconds), handOff: handOff)
    }

    static func newAllocationID() -> String {
        "vm-" + UUID().uuidString.lowercased()
    }

    static func idempotencyConflict() -> ProvisionerError {
        ProvisionerError(
            code: .idempotencyConflict, isRetryable: false,
            customerMessage: "This Idempotency-Key was already used with a different request body.")
    }
}
