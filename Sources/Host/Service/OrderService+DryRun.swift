import Foundation
public import Logging
public import ProvisionerAPI

/// Dry-run orders: what an order would get, computed with the checks a real order meets, in the
/// same order, and nothing written.
extension OrderService {
    /// Previews `order` without storing anything: no order, reservation, user, claim or audit event.
    ///
    /// Bad input is refused as for a real order, except blocked ports, which the preview reports
    /// with the rest of the admission result. The answer is a snapshot: a concurrent order may take
    /// the capacity or the offered VM a moment later.
    ///
    /// - Throws: `invalid_request` (a bad field other than a blocked port); `backend_unavailable`
    ///   when the store cannot be read.
    public func previewOrder(_ order: NewOrder, idempotencyKey: String?, logger: Logger) async throws
        -> OrderPreview
    {
        var portsAllowed = configuration.limits
        portsAllowed.blockedPorts = []
        try order.validate(plans: configuration.plans, limits: portsAllowed)
        let plan = configuration.plans[order.plan]!
        let blocked = order.openPorts.filter { configuration.limits.blockedPorts.contains($0) }
        var refusal: ProvisionerError? =
            blocked.first.map { port in
                ProvisionerError.invalidRequest(
                    "open_ports[\(order.openPorts.firstIndex(of: port)!)] = \(port) is blocked by policy.")
            }
        var replayOf: String?
        if let idempotencyKey, let existing = try await store.allocation(idempotencyKey: idempotencyKey) {
            if existing.requestFingerprint == order.fingerprint {
                replayOf = existing.id
            } else if refusal == nil {
                refusal = Self.idempotencyConflict()
            }
        }
        var capacity = OrderPreview.Capacity(reported: backend is any CapacityReporting)
        var slots: CapacitySlots?
        // Both asked even when the first refuses, so the preview shows the counts behind a refusal.
        do {
            try await checkCapacity(plan: plan, logger: logger)
            if capacity.reported { capacity.hasRoom = true }
        } catch let error as ProvisionerError {
            capacity.hasRoom = false
            if refusal == nil, replayOf == nil { refusal = error }
        }
        do {
            slots = try await capacitySlots(plan: plan, logger: logger)
        } catch let error as ProvisionerError {
            if refusal == nil, replayOf == nil { refusal = error }
        }
        capacity.slots = slots
        let reservation = slots.map {
            ReservationLimit(
                namespace: backend.name, slots: $0, paymentWindowSeconds: configuration.limits.paymentWindowSeconds,
                now: Date())
        }
        let counts = try await store.admissionCounts(userID: order.userID, plan: plan.name, reservation: reservation)
        capacity.occupiedForPlan = counts.occupiedForPlan
        capacity.occupiedInAll = counts.occupiedInAll
        let limit = configuration.limits.maxPaidVMsPerUser
        let quota = OrderPreview.Quota(
            applies: plan.requiresPayment && limit > 0, limit: limit, activePaid: counts.activePaid)
        if refusal == nil, replayOf == nil {
            refusal = admissionRefusal(quota: quota, slots: slots, reservation: reservation, counts: counts, plan: plan)
        }
        let offered = try await (backend as? any AssignmentPreviewing)?.previewAssignment(for: plan, logger: logger)
        return OrderPreview(
            order: order, plan: plan, backend: backend.name, isDemo: backend.isDemo, replayOf: replayOf,
            capacity: capacity, quota: quota, blockedPorts: blocked, refusal: refusal, offeredVM: offered)
    }

    /// The refusal the store's insert would give for `counts`, checked in the store's order (the
    /// paid-VM cap, then the reservation), as the error a real order carries.
    private func admissionRefusal(
        quota: OrderPreview.Quota, slots: CapacitySlots?, reservation: ReservationLimit?, counts: AdmissionCounts,
        plan: PlanSpec
    ) -> ProvisionerError? {
        if quota.applies, quota.activePaid >= quota.limit {
            return ProvisionerError(
                code: .quotaExceeded, isRetryable: false,
                customerMessage:
                    "This user already has \(quota.activePaid) active paid machines; the limit is \(quota.limit).")
        }
        guard let slots, let reservation, let forPlan = counts.occupiedForPlan, let inAll = counts.occupiedInAll,
            case .capacityExhausted(let reserved, let limit) = reservation.refusal(.init(plan: forPlan, total: inAll))
        else { return nil }
        let detail = "backend \(backend.name) holds or has reserved \(reserved) of \(limit) slots (plan \(plan.name))"
        return slots.exhaustedCode == .poolExhausted
            ? ProvisionerError.poolExhausted(detail) : ProvisionerError.capacityUnavailable(detail)
    }
}
