import Foundation
import GRDB

extension SQLiteStore {
    /// What occupies `limit`'s backend now, for an order of `plan` (see ``ReservationLimit``).
    ///
    /// Runs inside the order's write transaction; SQLite serializes writers, so no other order
    /// can be counted or inserted between this count and the insert that follows it.
    static func occupancy(of limit: ReservationLimit, plan: String, _ db: Database) throws
        -> ReservationLimit.Occupancy
    {
        let row = try Row.fetchOne(
            db, cachedSQL: occupancySQL, arguments: occupancyArguments(of: limit, plan: plan))
        return ReservationLimit.Occupancy(plan: row?["same_plan"] ?? 0, total: row?["total"] ?? 0)
    }

    /// The count behind ``occupancy(of:plan:_:)``.
    ///
    /// `backend_occupants` holds every occupant but unpaid orders, kept by triggers in the
    /// transactions that change them (``Migrations/occupantsSQL``), so an order reads a row per
    /// plan of its backend instead of every occupant. Unpaid orders are counted here, since their
    /// reservation ends with the payment window, not with a write: those created since
    /// ``ReservationLimit/unpaidSince``, found by `allocations_reservations` on backend, state and
    /// plan. A claim of such an order was counted on its own in `backend_occupants` (its
    /// allocation does not occupy whatever the time), so it is taken off again and nothing counts
    /// twice. (`CROSS JOIN` keeps SQLite from reading the backend's claims to find them: it
    /// searches from the unpaid orders.)
    static let occupancySQL = """
        SELECT COALESCE(SUM(occupants), 0) AS total,
            COALESCE(SUM(CASE WHEN plan = ? THEN occupants ELSE 0 END), 0) AS same_plan
        FROM (
            SELECT plan, occupants FROM backend_occupants WHERE namespace = ?
            UNION ALL
            SELECT a.plan AS plan, 1 AS occupants FROM allocations a
            WHERE a.deleted_at IS NULL AND a.backend = ? AND a.state = ? AND a.created_at >= ?
            UNION ALL
            SELECT a.plan AS plan, -1 AS occupants FROM allocations a
            CROSS JOIN resource_claims c ON c.namespace = a.backend AND c.allocation_id = a.id
            WHERE a.deleted_at IS NULL AND a.backend = ? AND a.state = ? AND a.created_at >= ?
        )
        """

    /// The arguments of ``occupancySQL``, in its order.
    static func occupancyArguments(of limit: ReservationLimit, plan: String) -> StatementArguments {
        let unpaid = LaunchProofStatus.paymentRequired.rawValue
        let unpaidSince = limit.unpaidSince.timeIntervalSince1970
        return [plan, limit.namespace, limit.namespace, unpaid, unpaidSince, limit.namespace, unpaid, unpaidSince]
    }
}
