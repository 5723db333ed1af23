import GRDB

/// Migration v12: what occupies each backend, counted as it changes (DESIGN.md section 8,
/// "Admission reserves").
///
/// `backend_occupants` holds, per backend (`namespace`) and plan, how many of the backend's
/// occupants ``ReservationLimit`` describes are there, except unpaid orders, whose reservation
/// ends with time rather than with a write:
/// - every allocation, not soft-deleted, in `paid`, `provisioning`, `provisioned`, `degraded` or
///   `releasing`, or `failed` without `rollback_available`;
/// - every resource claim whose allocation is not counted above (under its allocation's plan, or
///   `''` when the allocation does not exist).
///
/// Triggers on `allocations` and `resource_claims` keep the counts in the transaction that
/// changes what they count, so an order's transaction reads a few rows instead of every occupant
/// of the backend. An allocation's id never changes (a trigger refuses it), so the claims that
/// name it are found by `allocation_id`.
///
/// The helpers below write this migration's SQL and belong to it: when what occupies a backend
/// changes, a new migration replaces the triggers and recounts, and these stay as they are.
extension Migrations {
    /// The schema and triggers of v12, and the counts of what the database already holds.
    static let occupantsSQL = """
        CREATE TABLE backend_occupants (
            namespace TEXT NOT NULL,
            plan TEXT NOT NULL,
            occupants INTEGER NOT NULL,
            PRIMARY KEY (namespace, plan)
        ) WITHOUT ROWID;
        CREATE INDEX resource_claims_by_allocation ON resource_claims(allocation_id);

        CREATE TRIGGER allocations_id_never_changes BEFORE UPDATE OF id ON allocations
        WHEN OLD.id IS NOT NEW.id
        BEGIN
            SELECT RAISE(ABORT, 'an allocation''s id never changes');
        END;

        CREATE TRIGGER allocations_occupants_insert AFTER INSERT ON allocations
        BEGIN
            \(add("NEW.backend", "NEW.plan", 1, when: occupies("NEW")))
            \(addClaims(of: "NEW", plan: "''", -1, when: "1"))
            \(addClaims(of: "NEW", plan: "NEW.plan", 1, when: uncovered(by: "NEW")))
        END;

        CREATE TRIGGER allocations_occupants_update
        AFTER UPDATE OF state, rollback_available, deleted_at, backend, plan ON allocations
        WHEN \(occupies("OLD")) IS NOT \(occupies("NEW"))
            OR OLD.backend IS NOT NEW.backend OR OLD.plan IS NOT NEW.plan
        BEGIN
            \(add("OLD.backend", "OLD.plan", -1, when: occupies("OLD")))
            \(add("NEW.backend", "NEW.plan", 1, when: occupies("NEW")))
            \(addClaims(of: "OLD", plan: "OLD.plan", -1, when: uncovered(by: "OLD")))
            \(addClaims(of: "NEW", plan: "NEW.plan", 1, when: uncovered(by: "NEW")))
        END;

        CREATE TRIGGER allocations_occupants_delete AFTER DELETE ON allocations
        BEGIN
            \(add("OLD.backend", "OLD.plan", -1, when: occupies("OLD")))
            \(addClaims(of: "OLD", plan: "OLD.plan", -1, when: uncovered(by: "OLD")))
            \(addClaims(of: "OLD", plan: "''", 1, when: "1"))
        END;

        CREATE TRIGGER resource_claims_occupants_insert AFTER INSERT ON resource_claims
        BEGIN
            \(addClaim("NEW", 1))
        END;

        CREATE TRIGGER resource_claims_occupants_update
        AFTER UPDATE OF namespace, allocation_id ON resource_claims
        WHEN OLD.namespace IS NOT NEW.namespace OR OLD.allocation_id IS NOT NEW.allocation_id
        BEGIN
            \(addClaim("OLD", -1))
            \(addClaim("NEW", 1))
        END;

        CREATE TRIGGER resource_claims_occupants_delete AFTER DELETE ON resource_claims
        BEGIN
            \(addClaim("OLD", -1))
        END;

        INSERT INTO backend_occupants (namespace, plan, occupants)
        SELECT namespace, plan, COUNT(*) FROM (
            SELECT a.backend AS namespace, a.plan AS plan FROM allocations a WHERE \(occupies("a"))
            UNION ALL
            SELECT c.namespace AS namespace, COALESCE(a.plan, '') AS plan
            FROM resource_claims c LEFT JOIN allocations a ON a.id = c.allocation_id
            WHERE NOT COALESCE(a.backend = c.namespace AND \(occupies("a")), 0)
        ) GROUP BY namespace, plan;
        """

    /// Whether the allocation `row` occupies its backend whatever time it is: 1 or 0.
    private static func occupies(_ row: String) -> String {
        """
        (\(row).deleted_at IS NULL AND (\(row).state IN ('paid', 'provisioning', 'provisioned', 'degraded', \
        'releasing') OR (\(row).state = 'failed' AND \(row).rollback_available = 0)))
        """
    }

    /// Whether a claim (its columns unqualified) of the allocation `row` counts on its own.
    private static func uncovered(by row: String) -> String {
        "NOT COALESCE(namespace = \(row).backend AND \(occupies(row)), 0)"
    }

    /// Adds `delta` occupants of `plan` to `namespace` when `condition` holds.
    private static func add(_ namespace: String, _ plan: String, _ delta: Int, when condition: String) -> String {
        """
        INSERT INTO backend_occupants (namespace, plan, occupants)
            SELECT \(namespace), \(plan), \(delta) WHERE \(condition)
            ON CONFLICT (namespace, plan) DO UPDATE SET occupants = occupants + excluded.occupants;
        """
    }

    /// Adds `delta` under `plan` for each claim of the allocation `row` for which `condition` holds.
    private static func addClaims(of row: String, plan: String, _ delta: Int, when condition: String) -> String {
        """
        INSERT INTO backend_occupants (namespace, plan, occupants)
            SELECT namespace, \(plan), \(delta) FROM resource_claims
            WHERE allocation_id = \(row).id AND \(condition)
            ON CONFLICT (namespace, plan) DO UPDATE SET occupants = occupants + excluded.occupants;
        """
    }

    /// Adds `delta` for the claim `row` when it counts on its own.
    private static func addClaim(_ row: String, _ delta: Int) -> String {
        """
        INSERT INTO backend_occupants (namespace, plan, occupants)
            SELECT \(row).namespace, COALESCE(a.plan, ''), \(delta)
            FROM (SELECT \(row).allocation_id AS id) claim LEFT JOIN allocations a ON a.id = claim.id
            WHERE NOT COALESCE(a.backend = \(row).namespace AND \(occupies("a")), 0)
            ON CONFLICT (namespace, plan) DO UPDATE SET occupants = occupants + excluded.occupants;
        """
    }
}
