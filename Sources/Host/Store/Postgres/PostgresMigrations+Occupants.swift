/// Migration 9: what occupies each backend, counted as it changes (DESIGN.md section 8,
/// "Admission reserves"); the PostgreSQL form of SQLite's v12 (`Migrations.occupantsSQL`).
///
/// The occupants counted are the same: per backend (`namespace`) and plan, the allocations that
/// occupy it whatever the time, and the claims their allocation does not cover (under `''` when
/// the allocation does not exist); unpaid orders are counted by each order, since their
/// reservation ends with time. Transactions here run concurrently, so the triggers never update a
/// shared row: each write appends its changes to `backend_occupant_changes`, and the order that
/// holds its backend's reservation lock folds them into `backend_occupants` (see
/// `PostgresStore.occupancy`). A claim's trigger locks its allocation's row as an update of it
/// would, so a claim written beside a change of its allocation's state is counted from the state
/// that commits: one of the two waits for the other and then reads what it wrote. A claim of an
/// allocation not yet inserted and the allocation's insert meet on an advisory lock on its id.
///
/// The SQL below belongs to this migration: when what occupies a backend changes, a new
/// migration replaces the functions and recounts, and this stays as it is.
extension PostgresMigrations {
    /// The first key of the advisory lock a claim of a missing allocation and the insert of an
    /// allocation take on its id ("occp" in ASCII).
    static let allocationLockSpace: Int32 = 0x6F63_6370

    static let occupants = Migration(
        version: 9, name: "occupants counted as they change",
        statements: [
            // No write may commit between the count below and the triggers taking over.
            "LOCK TABLE allocations, resource_claims IN SHARE ROW EXCLUSIVE MODE",
            """
            CREATE TABLE IF NOT EXISTS backend_occupants (
                namespace text NOT NULL,
                plan text NOT NULL,
                occupants bigint NOT NULL,
                PRIMARY KEY (namespace, plan)
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS backend_occupant_changes (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                namespace text NOT NULL,
                plan text NOT NULL,
                delta integer NOT NULL
            )
            """,
            """
            CREATE INDEX IF NOT EXISTS backend_occupant_changes_namespace
                ON backend_occupant_changes(namespace)
            """,
            "CREATE INDEX IF NOT EXISTS resource_claims_by_allocation ON resource_claims(allocation_id)",
            """
            CREATE OR REPLACE FUNCTION allocation_occupies(
                deleted_at double precision, state text, rollback_available boolean
            ) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
                SELECT deleted_at IS NULL AND (
                    state IN ('paid', 'provisioning', 'provisioned', 'degraded', 'releasing')
                    OR (state = 'failed' AND NOT rollback_available))
            $$
            """,
            """
            CREATE OR REPLACE FUNCTION count_claim_occupant(
                claim_namespace text, claim_allocation text, delta integer
            ) RETURNS void LANGUAGE plpgsql AS $$
            DECLARE
                holder record;
            BEGIN
                SELECT backend, plan, deleted_at, state, rollback_available INTO holder
                    FROM allocations WHERE id = claim_allocation FOR NO KEY UPDATE;
                IF NOT FOUND THEN
                    -- An allocation of that id being inserted now is not seen, nor does it see
                    -- this claim: its trigger takes this lock too, so it waits for this
                    -- transaction, or committed first and is read now.
                    PERFORM pg_advisory_xact_lock(\(allocationLockSpace), hashtext(claim_allocation));
                    SELECT backend, plan, deleted_at, state, rollback_available INTO holder
                        FROM allocations WHERE id = claim_allocation FOR NO KEY UPDATE;
                END IF;
                IF NOT FOUND THEN
                    INSERT INTO backend_occupant_changes (namespace, plan, delta)
                        VALUES (claim_namespace, '', delta);
                ELSIF NOT (holder.backend = claim_namespace
                    AND allocation_occupies(holder.deleted_at, holder.state, holder.rollback_available))
                THEN
                    INSERT INTO backend_occupant_changes (namespace, plan, delta)
                        VALUES (claim_namespace, holder.plan, delta);
                END IF;
            END
            $$
            """,
            """
            CREATE OR REPLACE FUNCTION resource_claims_count_occupants() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND OLD.namespace = NEW.namespace AND OLD.allocation_id = NEW.allocation_id THEN
                    RETURN NULL;
                END IF;
                IF TG_OP <> 'INSERT' THEN
                    PERFORM count_claim_occupant(OLD.namespace, OLD.allocation_id, -1);
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    PERFORM count_claim_occupant(NEW.namespace, NEW.allocation_id, 1);
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE OR REPLACE FUNCTION allocations_count_occupants() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                old_occupies boolean := false;
                new_occupies boolean := false;
            BEGIN
                IF TG_OP = 'UPDATE' AND OLD.id <> NEW.id THEN
                    RAISE EXCEPTION 'an allocation''s id never changes';
                END IF;
                IF TG_OP <> 'INSERT' THEN
                    old_occupies := allocation_occupies(OLD.deleted_at, OLD.state, OLD.rollback_available);
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    new_occupies := allocation_occupies(NEW.deleted_at, NEW.state, NEW.rollback_available);
                END IF;
                IF TG_OP = 'UPDATE' AND old_occupies = new_occupies
                    AND OLD.backend = NEW.backend AND OLD.plan = NEW.plan
                THEN
                    RETURN NULL;
                END IF;
                IF old_occupies THEN
                    INSERT INTO backend_occupant_changes (namespace, plan, delta) VALUES (OLD.backend, OLD.plan, -1);
                END IF;
                IF new_occupies THEN
                    INSERT INTO backend_occupant_changes (namespace, plan, delta) VALUES (NEW.backend, NEW.plan, 1);
                END IF;
                IF TG_OP = 'INSERT' THEN
                    -- See count_claim_occupant: a claim of this id written now waits, or is read.
                    PERFORM pg_advisory_xact_lock(\(allocationLockSpace), hashtext(NEW.id));
                    INSERT INTO backend_occupant_changes (namespace, plan, delta)
                        SELECT namespace, '', -1 FROM resource_claims WHERE allocation_id = NEW.id;
                ELSE
                    INSERT INTO backend_occupant_changes (namespace, plan, delta)
                        SELECT namespace, OLD.plan, -1 FROM resource_claims
                        WHERE allocation_id = OLD.id AND NOT (namespace = OLD.backend AND old_occupies);
                END IF;
                IF TG_OP = 'DELETE' THEN
                    INSERT INTO backend_occupant_changes (namespace, plan, delta)
                        SELECT namespace, '', 1 FROM resource_claims WHERE allocation_id = OLD.id;
                ELSE
                    INSERT INTO backend_occupant_changes (namespace, plan, delta)
                        SELECT namespace, NEW.plan, 1 FROM resource_claims
                        WHERE allocation_id = NEW.id AND NOT (namespace = NEW.backend AND new_occupies);
                END IF;
                RETURN NULL;
            END
            $$
            """,
            "DROP TRIGGER IF EXISTS resource_claims_count_occupants ON resource_claims",
            """
            CREATE TRIGGER resource_claims_count_occupants
                AFTER INSERT OR DELETE OR UPDATE OF namespace, allocation_id ON resource_claims
                FOR EACH ROW EXECUTE FUNCTION resource_claims_count_occupants()
            """,
            "DROP TRIGGER IF EXISTS allocations_count_occupants ON allocations",
            """
            CREATE TRIGGER allocations_count_occupants
                AFTER INSERT OR DELETE OR UPDATE OF id, state, rollback_available, deleted_at, backend, plan
                ON allocations
                FOR EACH ROW EXECUTE FUNCTION allocations_count_occupants()
            """,
            "DELETE FROM backend_occupant_changes",
            "DELETE FROM backend_occupants",
            """
            INSERT INTO backend_occupants (namespace, plan, occupants)
            SELECT namespace, plan, COUNT(*) FROM (
                SELECT a.backend AS namespace, a.plan AS plan FROM allocations a
                WHERE allocation_occupies(a.deleted_at, a.state, a.rollback_available)
                UNION ALL
                SELECT c.namespace AS namespace, COALESCE(a.plan, '') AS plan
                FROM resource_claims c LEFT JOIN allocations a ON a.id = c.allocation_id
                WHERE NOT COALESCE(
                    a.backend = c.namespace AND allocation_occupies(a.deleted_at, a.state, a.rollback_available),
                    false)
            ) counted GROUP BY namespace, plan
            """,
        ])
}
