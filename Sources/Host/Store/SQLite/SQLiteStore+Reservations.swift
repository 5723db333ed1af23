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
    /// An allocation occupies its backend while it holds or will hold a VM; a claim counts only
    /// when its allocation does not (a VM being reset after a release), so nothing counts twice.
    /// The occupying allocations are three disjoint branches, one per kind of state, so each is a
    /// search of `allocations_reservations` on backend *and* state: one condition OR-ing the
    /// states made SQLite search on the backend alone and read every allocation the backend ever
    /// had, released ones included, in every order's transaction.
    static let occupancySQL = """
        SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN plan = ? THEN 1 ELSE 0 END), 0) AS same_plan
        FROM (
            SELECT a.plan AS plan FROM allocations a
            WHERE a.deleted_at IS NULL AND a.backend = ? AND a.state IN (?, ?, ?, ?, ?)
            UNION ALL
            SELECT a.plan AS plan FROM allocations a
            WHERE a.deleted_at IS NULL AND a.backend = ? AND a.state = ? AND a.rollback_available = 0
            UNION ALL
            SELECT a.plan AS plan FROM allocations a
            WHERE a.deleted_at IS NULL AND a.backend = ? AND a.state = ? AND a.created_at >= ?
            UNION ALL
            SELECT a.plan AS plan FROM resource_claims c LEFT JOIN allocations a ON a.id = c.allocation_id
            WHERE c.namespace = ? AND NOT COALESCE(
                a.deleted_at IS NULL AND a.backend = ? AND (
                    a.state IN (?, ?, ?, ?, ?)
                    OR (a.state = ? AND a.rollback_available = 0)
                    OR (a.state = ? AND a.created_at >= ?)),
                0)
        )
        """

    /// The arguments of ``occupancySQL``, in its order.
    static func occupancyArguments(of limit: ReservationLimit, plan: String) -> StatementArguments {
        let occupying = StatementArguments(ReservationLimit.occupyingStates.map(\.rawValue))
        let failed = LaunchProofStatus.failed.rawValue
        let unpaid = LaunchProofStatus.paymentRequired.rawValue
        let unpaidSince = limit.unpaidSince.timeIntervalSince1970
        return [plan, limit.namespace] + occupying
            + [limit.namespace, failed]
            + [limit.namespace, unpaid, unpaidSince]
            + [limit.namespace, limit.namespace] + occupying + [failed, unpaid, unpaidSince]
    }
}
