import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    /// The first key of the advisory lock that serializes the reserving orders of one backend.
    ///
    /// Lock order: an order takes this lock (its backend's) before ``userLockSpace`` (its user's),
    /// and no transaction takes them the other way round, so the two never deadlock.
    static let reservationLockSpace: Int32 = 0x7265_7376  // "resv"

    /// Serializes, across every connection and replica, the orders reserving capacity of
    /// `namespace` until the transaction ends: the count of one sees what the previous committed.
    static func lockReservations(of namespace: String, _ c: PostgresConnection, _ logger: Logger) async throws {
        _ = try await c.rows(
            "SELECT pg_advisory_xact_lock(\(reservationLockSpace), hashtext(\(namespace)))", logger: logger)
    }

    /// What occupies `limit`'s backend now, for an order of `plan` (see ``ReservationLimit``).
    ///
    /// Call it under ``lockReservations(of:_:_:)``, in the transaction that inserts the order.
    static func occupancy(
        of limit: ReservationLimit, plan: String, _ c: PostgresConnection, _ logger: Logger
    ) async throws -> ReservationLimit.Occupancy {
        let states = ReservationLimit.occupyingStates.map(\.rawValue)
        let failed = LaunchProofStatus.failed.rawValue
        let unpaid = LaunchProofStatus.paymentRequired.rawValue
        let unpaidSince = limit.unpaidSince.timeIntervalSince1970
        // An allocation occupies its backend while it holds or will hold a VM; a claim counts only
        // when its allocation does not (a VM being reset after a release), so nothing counts twice.
        // One branch per kind of state, each a search of `allocations_reservations` on backend and
        // state, so the count never reads the backend's released allocations (see the SQLite
        // store's `occupancySQL`).
        let rows = try await c.rows(
            """
            WITH occupants AS (
                SELECT a.id, a.plan FROM allocations a
                WHERE a.deleted_at IS NULL AND a.backend = \(limit.namespace) AND a.state = ANY(\(states))
                UNION ALL
                SELECT a.id, a.plan FROM allocations a
                WHERE a.deleted_at IS NULL AND a.backend = \(limit.namespace) AND a.state = \(failed)
                  AND NOT a.rollback_available
                UNION ALL
                SELECT a.id, a.plan FROM allocations a
                WHERE a.deleted_at IS NULL AND a.backend = \(limit.namespace) AND a.state = \(unpaid)
                  AND a.created_at >= \(unpaidSince)
            )
            SELECT COUNT(*), COUNT(*) FILTER (WHERE counted.plan = \(plan)) FROM (
                SELECT o.plan FROM occupants o
                UNION ALL
                SELECT a.plan FROM resource_claims c LEFT JOIN allocations a ON a.id = c.allocation_id
                WHERE c.namespace = \(limit.namespace)
                  AND NOT EXISTS (SELECT 1 FROM occupants o WHERE o.id = c.allocation_id)
            ) AS counted
            """, logger: logger)
        guard let row = rows.first else { return ReservationLimit.Occupancy(plan: 0, total: 0) }
        let (total, samePlan) = try row.decode((Int, Int).self)
        return ReservationLimit.Occupancy(plan: samePlan, total: total)
    }
}
