import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema, as numbered migrations recorded in `schema_migrations`. Never edit a
/// migration once merged: add one.
///
/// All missing migrations are applied in one transaction that first takes a transaction-scoped
/// advisory lock, so replicas starting together apply each migration exactly once: the second
/// waits for the first to commit, then finds nothing left to do. Statements use `IF NOT EXISTS`,
/// so a schema created by hand does not trip them either.
enum PostgresMigrations {
    /// One schema change.
    struct Migration {
        var version: Int
        var name: String
        var statements: [String]
    }

    /// The advisory lock key every replica takes while migrating ("prov" in ASCII).
    static let lockKey: Int64 = 0x7072_6F76

    /// Every migration, oldest first.
    static let all: [Migration] = [
        Migration(
            version: 1, name: "allocations, journal, audit, resource claims, catalogs, lifecycle events, users",
            statements: [
                """
                CREATE TABLE IF NOT EXISTS allocations (
                    id text PRIMARY KEY,
                    user_id text NOT NULL,
                    plan text NOT NULL,
                    price_cents bigint NOT NULL,
                    backend text NOT NULL,
                    is_demo boolean NOT NULL,
                    hostname text,
                    ssh_keys text NOT NULL,
                    open_ports text NOT NULL,
                    metadata text NOT NULL,
                    state text NOT NULL,
                    payment_status text NOT NULL,
                    payment_reference text,
                    idempotency_key text,
                    request_fingerprint text,
                    release_requested boolean NOT NULL DEFAULT false,
                    vm text,
                    dns_aaaa text NOT NULL DEFAULT 'not_run',
                    dns_checked_at double precision,
                    ssh_smoke text NOT NULL DEFAULT 'not_run',
                    ssh_checked_at double precision,
                    customer_message text NOT NULL,
                    operator_message text,
                    failure_code text,
                    rollback_available boolean NOT NULL DEFAULT false,
                    lease_owner text,
                    lease_expires_at double precision,
                    attempts bigint NOT NULL DEFAULT 0,
                    created_at double precision NOT NULL,
                    updated_at double precision NOT NULL,
                    provisioned_at double precision,
                    released_at double precision,
                    deleted_at double precision,
                    dns_detail text,
                    ssh_detail text
                )
                """,
                """
                CREATE UNIQUE INDEX IF NOT EXISTS allocations_idempotency_key ON allocations(idempotency_key)
                    WHERE idempotency_key IS NOT NULL
                """,
                "CREATE INDEX IF NOT EXISTS allocations_user ON allocations(user_id, created_at)",
                "CREATE INDEX IF NOT EXISTS allocations_work ON allocations(state, lease_expires_at)",
                "CREATE INDEX IF NOT EXISTS allocations_created ON allocations(created_at)",
                """
                CREATE TABLE IF NOT EXISTS journal (
                    op_id text PRIMARY KEY,
                    seq bigint GENERATED ALWAYS AS IDENTITY,
                    allocation_id text NOT NULL REFERENCES allocations(id),
                    backend text NOT NULL,
                    operation text NOT NULL,
                    step text NOT NULL,
                    started_at double precision NOT NULL,
                    finished_at double precision,
                    outcome text
                )
                """,
                "CREATE INDEX IF NOT EXISTS journal_unfinished ON journal(started_at) WHERE finished_at IS NULL",
                "CREATE INDEX IF NOT EXISTS journal_allocation ON journal(allocation_id)",
                """
                CREATE TABLE IF NOT EXISTS audit_events (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    at double precision NOT NULL,
                    kind text NOT NULL,
                    allocation_id text,
                    user_id text,
                    actor text NOT NULL,
                    request_id text,
                    detail text
                )
                """,
                "CREATE INDEX IF NOT EXISTS audit_allocation ON audit_events(allocation_id, id)",
                "CREATE INDEX IF NOT EXISTS audit_user ON audit_events(user_id, id)",
                "CREATE INDEX IF NOT EXISTS audit_kind ON audit_events(kind, id)",
                """
                CREATE TABLE IF NOT EXISTS resource_claims (
                    namespace text NOT NULL,
                    resource text NOT NULL,
                    allocation_id text NOT NULL,
                    state text NOT NULL,
                    note text,
                    claimed_at double precision NOT NULL,
                    updated_at double precision NOT NULL,
                    PRIMARY KEY (namespace, resource)
                )
                """,
                """
                CREATE UNIQUE INDEX IF NOT EXISTS resource_claims_allocation
                    ON resource_claims(namespace, allocation_id)
                """,
                """
                CREATE TABLE IF NOT EXISTS backend_catalogs (
                    namespace text PRIMARY KEY,
                    generation bigint NOT NULL,
                    payload text NOT NULL,
                    saved_at double precision NOT NULL
                )
                """,
                """
                CREATE TABLE IF NOT EXISTS lifecycle_events (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    at double precision NOT NULL,
                    kind text NOT NULL,
                    allocation_id text,
                    backend text NOT NULL,
                    backend_ref text,
                    detail text
                )
                """,
                "CREATE INDEX IF NOT EXISTS lifecycle_events_allocation ON lifecycle_events(allocation_id, id)",
                "CREATE INDEX IF NOT EXISTS lifecycle_events_kind ON lifecycle_events(kind, id)",
                """
                CREATE TABLE IF NOT EXISTS users (
                    id text PRIMARY KEY,
                    forge_id text,
                    created_at double precision NOT NULL,
                    updated_at double precision NOT NULL
                )
                """,
            ]),
        // Fencing tokens, pending teardowns, and claims released into a reset (see the SQLite
        // migration "v5" for the why).
        Migration(
            version: 2, name: "fenced leases, pending teardowns, claims released to a reset",
            statements: [
                "ALTER TABLE allocations ADD COLUMN IF NOT EXISTS lease_epoch bigint NOT NULL DEFAULT 0",
                "ALTER TABLE allocations ADD COLUMN IF NOT EXISTS teardown_failures bigint NOT NULL DEFAULT 0",
                """
                CREATE INDEX IF NOT EXISTS allocations_teardown_pending ON allocations(lease_expires_at)
                    WHERE teardown_failures > 0
                """,
                "ALTER TABLE journal ADD COLUMN IF NOT EXISTS attempt bigint",
                "DROP INDEX IF EXISTS resource_claims_allocation",
                """
                CREATE UNIQUE INDEX IF NOT EXISTS resource_claims_assigned ON resource_claims(namespace, allocation_id)
                    WHERE state = 'assigned'
                """,
                """
                CREATE INDEX IF NOT EXISTS resource_claims_allocation_any ON resource_claims(namespace, allocation_id)
                """,
                "ALTER TABLE resource_claims ADD COLUMN IF NOT EXISTS attempt bigint",
            ]),
        Migration(
            version: 3, name: "reservation counting",
            statements: [
                // Covers the count of what occupies a backend, made inside every order's insert.
                """
                CREATE INDEX IF NOT EXISTS allocations_reservations
                    ON allocations(backend, state, plan, created_at, rollback_available)
                    WHERE deleted_at IS NULL
                """
            ]),
        Migration(
            version: 4, name: "hosts, guests, host reports",
            statements: [
                // Hosts report in (DESIGN.md section 10). Operator-owned columns are never written by
                // a report; `health` is the announced health, moved only by compare-and-set.
                """
                CREATE TABLE IF NOT EXISTS hosts (
                    host_id text PRIMARY KEY,
                    label text NOT NULL,
                    owner text,
                    labels text NOT NULL DEFAULT '{}',
                    blocked boolean NOT NULL DEFAULT false,
                    key_hash text NOT NULL,
                    desired_json text,
                    desired_generation bigint NOT NULL DEFAULT 0,
                    created_at double precision NOT NULL,
                    updated_at double precision NOT NULL,
                    agent_version text,
                    hostname text,
                    last_report_at double precision,
                    last_report_id bigint,
                    health text NOT NULL DEFAULT 'never_reported',
                    health_changed_at double precision
                )
                """,
                "CREATE UNIQUE INDEX IF NOT EXISTS hosts_key_hash ON hosts(key_hash)",
                """
                CREATE TABLE IF NOT EXISTS host_reports (
                    id bigserial PRIMARY KEY,
                    host_id text NOT NULL REFERENCES hosts(host_id),
                    received_at double precision NOT NULL,
                    reported_at double precision NOT NULL,
                    agent_version text NOT NULL,
                    hostname text,
                    cpu_percent double precision,
                    mem_percent double precision,
                    disk_percent double precision,
                    uptime_s bigint,
                    guest_total bigint NOT NULL,
                    guest_running bigint NOT NULL,
                    cloudflared_status text,
                    body text NOT NULL
                )
                """,
                "CREATE INDEX IF NOT EXISTS host_reports_host ON host_reports(host_id, id)",
                "CREATE INDEX IF NOT EXISTS host_reports_received ON host_reports(received_at)",
                """
                CREATE TABLE IF NOT EXISTS guests (
                    guest_id text PRIMARY KEY,
                    host_id text NOT NULL REFERENCES hosts(host_id),
                    vmid text NOT NULL CHECK (length(vmid) BETWEEN 1 AND 128),
                    name text,
                    status text,
                    controller_version text,
                    spec text,
                    updated_at double precision NOT NULL
                )
                """,
                "CREATE INDEX IF NOT EXISTS guests_host ON guests(host_id, vmid)",
                "ALTER TABLE lifecycle_events ADD COLUMN IF NOT EXISTS host_id text",
                "CREATE INDEX IF NOT EXISTS lifecycle_events_host ON lifecycle_events(host_id, id)",
            ]),
        // Version 4 belongs to hosts and host reports. The gate's ops and consumed nonces (see the
        // SQLite migration "v8" for the why).
        Migration(
            version: 5, name: "signed operator ops and nonces",
            statements: [
                """
                CREATE TABLE IF NOT EXISTS operator_ops (
                    op_id text PRIMARY KEY,
                    op text NOT NULL,
                    target text NOT NULL,
                    params text NOT NULL,
                    class text NOT NULL,
                    state text NOT NULL,
                    payload text NOT NULL,
                    nonce text NOT NULL UNIQUE,
                    expires_at double precision NOT NULL,
                    requested_by text NOT NULL,
                    request_id text,
                    signer text,
                    outcome text,
                    created_at double precision NOT NULL,
                    updated_at double precision NOT NULL
                )
                """,
                "CREATE INDEX IF NOT EXISTS operator_ops_state ON operator_ops(state, created_at)",
                "CREATE INDEX IF NOT EXISTS operator_ops_created ON operator_ops(created_at)",
                """
                CREATE TABLE IF NOT EXISTS used_nonces (
                    nonce text PRIMARY KEY,
                    op_id text NOT NULL,
                    signer text NOT NULL,
                    used_at double precision NOT NULL
                )
                """,
            ]),
        Migration(
            version: 6, name: "restored allocations",
            statements: ["ALTER TABLE allocations ADD COLUMN IF NOT EXISTS restored_from text"]),
        Migration(
            version: 7, name: "catalogs stored in parts",
            statements: [
                """
                CREATE TABLE IF NOT EXISTS backend_catalog_parts (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    namespace text NOT NULL,
                    payload text NOT NULL
                )
                """,
                """
                CREATE INDEX IF NOT EXISTS backend_catalog_parts_namespace
                    ON backend_catalog_parts(namespace, id)
                """,
                "ALTER TABLE backend_catalogs ADD COLUMN IF NOT EXISTS parts text",
            ]),
        Migration(
            version: 8, name: "catalog parts as bytes",
            statements: ["ALTER TABLE backend_catalog_parts ADD COLUMN IF NOT EXISTS packed bytea"]),
        occupants,
    ]

    /// Applies the migrations `connection`'s database lacks, under the advisory lock.
    ///
    /// - Returns: The versions applied now (empty when the schema was current).
    @discardableResult
    static func apply(on connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        try await connection.query("BEGIN", logger: logger)
        do {
            _ = try await connection.rows("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at double precision NOT NULL
                )
                """, logger: logger)
            let applied = try await Set(
                connection.rows("SELECT version FROM schema_migrations", logger: logger).map {
                    try $0.decode(Int.self)
                })
            var appliedNow: [Int] = []
            for migration in all where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(migration.version), \(migration.name), \(Date().timeIntervalSince1970))
                    """, logger: logger)
                appliedNow.append(migration.version)
            }
            try await connection.query("COMMIT", logger: logger)
            if !appliedNow.isEmpty {
                logger.info("postgres schema migrated", metadata: ["store.migrations": "\(appliedNow)"])
            }
            return appliedNow
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
