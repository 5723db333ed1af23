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
        // An allocation occupies its backend while it holds or will hold a VM; a claim counts only
        // when its allocation does not (a VM being reset after a release), so nothing counts twice.
        let occupies = """
            a.deleted_at IS NULL AND a.backend = ? AND (
                a.state IN (?, ?, ?, ?, ?)
                OR (a.state = ? AND a.rollback_available = 0)
                OR (a.state = ? AND a.created_at >= ?))
            """
        let occupiesArguments =
            StatementArguments([limit.namespace])
            + StatementArguments(ReservationLimit.occupyingStates.map(\.rawValue))
            + [
                LaunchProofStatus.failed.rawValue, LaunchProofStatus.paymentRequired.rawValue,
                limit.unpaidSince.timeIntervalSince1970,
            ]
        let row = try Row.fetchOne(
            db,
            cachedSQL: """
                SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN plan = ? THEN 1 ELSE 0 END), 0) AS same_plan
                FROM (
                    SELECT a.plan AS plan FROM allocations a WHERE \(occupies)
                    UNION ALL
                    SELECT a.plan AS plan FROM resource_claims c LEFT JOIN allocations a ON a.id = c.allocation_id
                    WHERE c.namespace = ? AND NOT COALESCE(\(occupies), 0)
                )
                """,
            arguments: [plan] + occupiesArguments + [limit.namespace] + occupiesArguments)
        return ReservationLimit.Occupancy(plan: row?["same_plan"] ?? 0, total: row?["total"] ?? 0)
    }
}
