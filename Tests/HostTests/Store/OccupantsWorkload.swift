import Foundation

@testable import Host
@testable import SimulatedProvisioner

/// Random writes to allocations and resource claims, as any code path could make them, and the
/// counts they must leave, in SQL both stores run: the workload behind the tests of what occupies
/// a backend, counted as it changes (SQLite migration v12, PostgreSQL migration 9). Seeded
/// (`SplitMix64`), so a failure replays.
enum OccupantsWorkload {
    static let now = 1_800_000_000
    static let namespaces = ["pool", "xcpng"]
    static let plans = ["small", "large"]
    static let states = LaunchProofStatus.allCases.map(\.rawValue)

    /// One random write: an allocation inserted, changed or deleted, or a claim made, moved or
    /// removed, among 24 allocation ids (some never inserted) and 24 resources.
    static func randomWrite(_ random: inout SplitMix64) -> String {
        let id = "'vm-\(Int.random(in: 0..<24, using: &random))'"
        let namespace = "'\(namespaces.randomElement(using: &random)!)'"
        let plan = "'\(plans.randomElement(using: &random)!)'"
        let state = "'\(states.randomElement(using: &random)!)'"
        let createdAt = now - Int.random(in: 0..<7200, using: &random)
        let deletedAt = Int.random(in: 0..<6, using: &random) == 0 ? "\(createdAt)" : "NULL"
        let rollback = Bool.random(using: &random) ? "TRUE" : "FALSE"
        let resource = "'r-\(Int.random(in: 0..<24, using: &random))'"
        switch Int.random(in: 0..<10, using: &random) {
        case 0, 1:
            return """
                INSERT INTO allocations (id, user_id, plan, price_cents, backend, is_demo, ssh_keys, open_ports,
                    metadata, state, payment_status, customer_message, rollback_available, created_at, updated_at,
                    deleted_at)
                VALUES (\(id), 'u', \(plan), 0, \(namespace), FALSE, '[]', '[]', '{}', \(state), 'not_required', '',
                    \(rollback), \(createdAt), \(createdAt), \(deletedAt))
                ON CONFLICT DO NOTHING
                """
        case 2, 3: return "UPDATE allocations SET state = \(state) WHERE id = \(id)"
        case 4:
            return "UPDATE allocations SET rollback_available = \(rollback), deleted_at = \(deletedAt) WHERE id = \(id)"
        case 5: return "UPDATE allocations SET backend = \(namespace), plan = \(plan) WHERE id = \(id)"
        case 6: return "DELETE FROM allocations WHERE id = \(id)"
        case 7:
            return """
                INSERT INTO resource_claims (namespace, resource, allocation_id, state, claimed_at, updated_at)
                VALUES (\(namespace), \(resource), \(id), 'assigned', 0, 0) ON CONFLICT DO NOTHING
                """
        case 8:
            return "UPDATE resource_claims SET allocation_id = \(id), state = 'cleaning' WHERE resource = \(resource)"
        default: return "DELETE FROM resource_claims WHERE resource = \(resource)"
        }
    }

    /// An order's occupancy to check: each backend and plan, with a random payment window.
    static func randomChecks(_ random: inout SplitMix64) -> [(limit: ReservationLimit, plan: String)] {
        namespaces.flatMap { namespace in
            let since = now - Int.random(in: 0..<7200, using: &random)
            let limit = ReservationLimit(
                namespace: namespace, planSlots: 100, totalSlots: 100,
                unpaidSince: Date(timeIntervalSince1970: Double(since)))
            return plans.map { (limit, $0) }
        }
    }

    /// Whether the allocation `a` occupies its backend whatever the time.
    static let occupies = """
        (a.deleted_at IS NULL AND (a.state IN ('paid', 'provisioning', 'provisioned', 'degraded', 'releasing')
            OR (a.state = 'failed' AND a.rollback_available = FALSE)))
        """

    /// The counts from scratch, zero ones left out: `namespace`, `plan`, `occupants`.
    static let recountSQL = """
        SELECT namespace, plan, COUNT(*) AS occupants FROM (
            SELECT a.backend AS namespace, a.plan AS plan FROM allocations a WHERE \(occupies)
            UNION ALL
            SELECT c.namespace AS namespace, COALESCE(a.plan, '') AS plan
            FROM resource_claims c LEFT JOIN allocations a ON a.id = c.allocation_id
            WHERE NOT COALESCE(a.backend = c.namespace AND \(occupies), FALSE)
        ) counted GROUP BY namespace, plan
        """

    /// The occupancy count every order made before the counts were kept, which read every
    /// occupant: `total` and `same_plan` for an order of `plan`.
    static func referenceSQL(namespace: String, plan: String, unpaidSince: Int) -> String {
        let occupying = ReservationLimit.occupyingStates.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return """
            SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN plan = '\(plan)' THEN 1 ELSE 0 END), 0) AS same_plan
            FROM (
                SELECT a.plan AS plan FROM allocations a
                WHERE a.deleted_at IS NULL AND a.backend = '\(namespace)' AND a.state IN (\(occupying))
                UNION ALL
                SELECT a.plan AS plan FROM allocations a
                WHERE a.deleted_at IS NULL AND a.backend = '\(namespace)' AND a.state = 'failed'
                    AND a.rollback_available = FALSE
                UNION ALL
                SELECT a.plan AS plan FROM allocations a
                WHERE a.deleted_at IS NULL AND a.backend = '\(namespace)' AND a.state = 'payment_required'
                    AND a.created_at >= \(unpaidSince)
                UNION ALL
                SELECT a.plan AS plan FROM resource_claims c LEFT JOIN allocations a ON a.id = c.allocation_id
                WHERE c.namespace = '\(namespace)' AND NOT COALESCE(
                    a.deleted_at IS NULL AND a.backend = '\(namespace)' AND (
                        a.state IN (\(occupying))
                        OR (a.state = 'failed' AND a.rollback_available = FALSE)
                        OR (a.state = 'payment_required' AND a.created_at >= \(unpaidSince))),
                    FALSE)
            ) counted
            """
    }
}
