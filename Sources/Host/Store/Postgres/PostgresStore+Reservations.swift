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
    /// `backend_occupants` and the changes appended since (migration 9) hold every occupant but
    /// unpaid orders, so this reads a row per plan and change instead of every occupant; the
    /// unpaid orders of the payment window are counted here, searched by backend, state and date,
    /// and their claims, which the counts hold on their own (their allocation does not occupy
    /// whatever the time), are taken off again so nothing counts twice.
    ///
    /// With `folding`, the changes read are moved into `backend_occupants` in the same statement:
    /// call it so under ``lockReservations(of:_:_:)``, in the transaction that inserts the order,
    /// so one fold runs at a time per backend. Without, it only reads.
    static func occupancy(
        of limit: ReservationLimit, plan: String, folding: Bool, _ c: PostgresConnection, _ logger: Logger
    ) async throws -> ReservationLimit.Occupancy {
        var binds = PostgresBindings(capacity: 4)
        binds.append(limit.namespace)
        binds.append(plan)
        binds.append(LaunchProofStatus.paymentRequired.rawValue)
        binds.append(limit.unpaidSince.timeIntervalSince1970)
        let sql = (folding ? foldingChangesSQL : readingChangesSQL) + "\n" + occupancySQL
        let rows = try await c.rows(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        guard let row = rows.first else { return ReservationLimit.Occupancy(plan: 0, total: 0) }
        let (total, samePlan) = try row.decode((Int, Int).self)
        return ReservationLimit.Occupancy(plan: samePlan, total: total)
    }

    /// Folds `namespace`'s changes into `backend_occupants` unless another transaction holds its
    /// reservation lock, inside the caller's transaction; never waits.
    ///
    /// For the orders of a backend that reserves nothing: they never count what occupies it, so
    /// without this its changes would pile up, read by every dry run.
    static func foldOccupantChanges(of namespace: String, _ c: PostgresConnection, _ logger: Logger) async throws {
        let locked = try await c.rows(
            "SELECT pg_try_advisory_xact_lock(\(reservationLockSpace), hashtext(\(namespace)))", logger: logger)
        guard try locked.first?.decode(Bool.self) == true else { return }
        var binds = PostgresBindings(capacity: 1)
        binds.append(namespace)
        _ = try await c.rows(PostgresQuery(unsafeSQL: foldingChangesSQL + "\nSELECT 1", binds: binds), logger: logger)
    }

    /// `changes`: the backend's (`$1`) changes appended since the last fold, moved into
    /// `backend_occupants` by the same statement.
    static let foldingChangesSQL = """
        WITH changes AS (
            DELETE FROM backend_occupant_changes WHERE namespace = $1 RETURNING plan, delta
        ), folded AS (
            INSERT INTO backend_occupants (namespace, plan, occupants)
            SELECT $1, plan, SUM(delta) FROM changes GROUP BY plan
            ON CONFLICT (namespace, plan) DO UPDATE SET occupants = backend_occupants.occupants + excluded.occupants
        )
        """

    /// `changes`: the backend's (`$1`) changes appended since the last fold, left where they are.
    static let readingChangesSQL = """
        WITH changes AS (SELECT plan, delta FROM backend_occupant_changes WHERE namespace = $1)
        """

    /// The count, after one of the `changes` above: everything for backend `$1`, and for plan
    /// `$2`, with unpaid orders (state `$3`) created since `$4`. The statement's one snapshot
    /// reads `backend_occupants` as it was before a fold, so the changes folded count once.
    static let occupancySQL = """
        SELECT COALESCE(SUM(n), 0)::bigint, COALESCE(SUM(n) FILTER (WHERE counted.plan = $2), 0)::bigint
        FROM (
            SELECT plan, occupants AS n FROM backend_occupants WHERE namespace = $1
            UNION ALL
            SELECT plan, delta FROM changes
            UNION ALL
            SELECT a.plan, 1 FROM allocations a
            WHERE a.deleted_at IS NULL AND a.backend = $1 AND a.state = $3 AND a.created_at >= $4
            UNION ALL
            SELECT a.plan, -1 FROM allocations a
            JOIN resource_claims c ON c.namespace = a.backend AND c.allocation_id = a.id
            WHERE a.deleted_at IS NULL AND a.backend = $1 AND a.state = $3 AND a.created_at >= $4
        ) AS counted
        """
}
