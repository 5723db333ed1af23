import GRDB

/// The SQLite schema, as a list of migrations. Never edit a migration once merged: add one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: allocations, journal, audit") { db in
            try db.execute(
                sql: """
                    CREATE TABLE allocations (
                        id TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT NOT NULL,
                        plan TEXT NOT NULL,
                        price_cents INTEGER NOT NULL,
                        backend TEXT NOT NULL,
                        is_demo INTEGER NOT NULL,
                        hostname TEXT,
                        ssh_keys TEXT NOT NULL,
                        open_ports TEXT NOT NULL,
                        metadata TEXT NOT NULL,
                        state TEXT NOT NULL,
                        payment_status TEXT NOT NULL,
                        payment_reference TEXT,
                        idempotency_key TEXT,
                        request_fingerprint TEXT,
                        release_requested INTEGER NOT NULL DEFAULT 0,
                        vm TEXT,
                        dns_aaaa TEXT NOT NULL DEFAULT 'not_run',
                        dns_checked_at REAL,
                        ssh_smoke TEXT NOT NULL DEFAULT 'not_run',
                        ssh_checked_at REAL,
                        customer_message TEXT NOT NULL,
                        operator_message TEXT,
                        failure_code TEXT,
                        rollback_available INTEGER NOT NULL DEFAULT 0,
                        lease_owner TEXT,
                        lease_expires_at REAL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        provisioned_at REAL,
                        released_at REAL,
                        deleted_at REAL
                    );
                    CREATE UNIQUE INDEX allocations_idempotency_key ON allocations(idempotency_key)
                        WHERE idempotency_key IS NOT NULL;
                    CREATE INDEX allocations_user ON allocations(user_id, created_at);
                    CREATE INDEX allocations_work ON allocations(state, lease_expires_at);

                    CREATE TABLE journal (
                        op_id TEXT PRIMARY KEY NOT NULL,
                        allocation_id TEXT NOT NULL REFERENCES allocations(id),
                        backend TEXT NOT NULL,
                        operation TEXT NOT NULL,
                        step TEXT NOT NULL,
                        started_at REAL NOT NULL,
                        finished_at REAL,
                        outcome TEXT
                    );
                    CREATE INDEX journal_unfinished ON journal(finished_at) WHERE finished_at IS NULL;
                    CREATE INDEX journal_allocation ON journal(allocation_id);

                    CREATE TABLE audit_events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        kind TEXT NOT NULL,
                        allocation_id TEXT,
                        user_id TEXT,
                        actor TEXT NOT NULL,
                        request_id TEXT,
                        detail TEXT
                    );
                    CREATE INDEX audit_allocation ON audit_events(allocation_id, id);
                    """)
        }
        migrator.registerMigration("v2: audit filters by user and kind") { db in
            try db.execute(
                sql: """
                    CREATE INDEX audit_user ON audit_events(user_id, id);
                    CREATE INDEX audit_kind ON audit_events(kind, id);
                    """)
        }
        migrator.registerMigration("v3: launch check details") { db in
            try db.execute(
                sql: """
                    ALTER TABLE allocations ADD COLUMN dns_detail TEXT;
                    ALTER TABLE allocations ADD COLUMN ssh_detail TEXT;
                    """)
        }
        migrator.registerMigration("v4: resource claims, catalogs, lifecycle events, users") { db in
            try db.execute(
                sql: """
                    CREATE TABLE resource_claims (
                        namespace TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        allocation_id TEXT NOT NULL,
                        state TEXT NOT NULL,
                        note TEXT,
                        claimed_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        PRIMARY KEY (namespace, resource)
                    );
                    CREATE UNIQUE INDEX resource_claims_allocation ON resource_claims(namespace, allocation_id);

                    CREATE TABLE backend_catalogs (
                        namespace TEXT PRIMARY KEY NOT NULL,
                        generation INTEGER NOT NULL,
                        payload TEXT NOT NULL,
                        saved_at REAL NOT NULL
                    );

                    CREATE TABLE lifecycle_events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        kind TEXT NOT NULL,
                        allocation_id TEXT,
                        backend TEXT NOT NULL,
                        backend_ref TEXT,
                        detail TEXT
                    );
                    CREATE INDEX lifecycle_events_allocation ON lifecycle_events(allocation_id, id);
                    CREATE INDEX lifecycle_events_kind ON lifecycle_events(kind, id);

                    CREATE TABLE users (
                        id TEXT PRIMARY KEY NOT NULL,
                        forge_id TEXT,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );

                    CREATE INDEX allocations_created ON allocations(created_at);
                    """)
        }
        migrator.registerMigration("v5: fenced leases, pending teardowns, claims released to a reset") { db in
            // `lease_epoch` is the fencing token: it grows at every claim and every worker write is
            // conditional on it. `teardown_failures` counts failed rollback teardowns (0: none
            // pending). A journal entry records the attempt (epoch) it belongs to. An allocation
            // holds at most one *assigned* claim: a claim it released into a reset (`cleaning`,
            // `quarantined`) no longer counts, so a retried order gets another VM.
            try db.execute(
                sql: """
                    ALTER TABLE allocations ADD COLUMN lease_epoch INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE allocations ADD COLUMN teardown_failures INTEGER NOT NULL DEFAULT 0;
                    CREATE INDEX allocations_teardown_pending ON allocations(lease_expires_at)
                        WHERE teardown_failures > 0;
                    ALTER TABLE journal ADD COLUMN attempt INTEGER;
                    DROP INDEX resource_claims_allocation;
                    CREATE UNIQUE INDEX resource_claims_assigned ON resource_claims(namespace, allocation_id)
                        WHERE state = 'assigned';
                    CREATE INDEX resource_claims_allocation_any ON resource_claims(namespace, allocation_id);
                    ALTER TABLE resource_claims ADD COLUMN attempt INTEGER;
                    """)
        }
        migrator.registerMigration("v6: reservation counting") { db in
            // Covers the count of what occupies a backend, made inside every order's insert.
            try db.execute(
                sql: """
                    CREATE INDEX allocations_reservations
                        ON allocations(backend, state, plan, created_at, rollback_available)
                        WHERE deleted_at IS NULL;
                    """)
        }
        migrator.registerMigration("v7: hosts, guests, host reports") { db in
            // Hosts report in (DESIGN.md section 10). Operator-owned columns (label, owner, labels,
            // blocked, desired_json, desired_generation, updated_at) are never written by a report;
            // a report writes only the reality columns (agent_version, hostname, last_report_at,
            // last_report_id). `health` is the health the dead-man's switch last announced, moved
            // only by compare-and-set. Lifecycle events may name a host.
            try db.execute(
                sql: """
                    CREATE TABLE hosts (
                        host_id TEXT PRIMARY KEY NOT NULL,
                        label TEXT NOT NULL,
                        owner TEXT,
                        labels TEXT NOT NULL DEFAULT '{}',
                        blocked INTEGER NOT NULL DEFAULT 0,
                        key_hash TEXT NOT NULL,
                        desired_json TEXT,
                        desired_generation INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        agent_version TEXT,
                        hostname TEXT,
                        last_report_at REAL,
                        last_report_id INTEGER,
                        health TEXT NOT NULL DEFAULT 'never_reported',
                        health_changed_at REAL
                    );
                    CREATE UNIQUE INDEX hosts_key_hash ON hosts(key_hash);

                    CREATE TABLE host_reports (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        host_id TEXT NOT NULL REFERENCES hosts(host_id),
                        received_at REAL NOT NULL,
                        reported_at REAL NOT NULL,
                        agent_version TEXT NOT NULL,
                        hostname TEXT,
                        cpu_percent REAL,
                        mem_percent REAL,
                        disk_percent REAL,
                        uptime_s INTEGER,
                        guest_total INTEGER NOT NULL,
                        guest_running INTEGER NOT NULL,
                        cloudflared_status TEXT,
                        body TEXT NOT NULL
                    );
                    CREATE INDEX host_reports_host ON host_reports(host_id, id);
                    CREATE INDEX host_reports_received ON host_reports(received_at);

                    CREATE TABLE guests (
                        guest_id TEXT PRIMARY KEY NOT NULL,
                        host_id TEXT NOT NULL REFERENCES hosts(host_id),
                        vmid TEXT NOT NULL CHECK (length(vmid) BETWEEN 1 AND 128),
                        name TEXT,
                        status TEXT,
                        controller_version TEXT,
                        spec TEXT,
                        updated_at REAL NOT NULL
                    );
                    CREATE INDEX guests_host ON guests(host_id, vmid);

                    ALTER TABLE lifecycle_events ADD COLUMN host_id TEXT;
                    CREATE INDEX lifecycle_events_host ON lifecycle_events(host_id, id);
                    """)
        }
        migrator.registerMigration("v8: signed operator ops and nonces") { db in
            // The gate's ops (each its own journal entry: `running` is committed before the op runs)
            // and the nonces signatures consumed, unique so a replay is refused after a restart and
            // on every process sharing the file.
            try db.execute(
                sql: """
                    CREATE TABLE operator_ops (
                        op_id TEXT PRIMARY KEY NOT NULL,
                        op TEXT NOT NULL,
                        target TEXT NOT NULL,
                        params TEXT NOT NULL,
                        class TEXT NOT NULL,
                        state TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        nonce TEXT NOT NULL UNIQUE,
                        expires_at REAL NOT NULL,
                        requested_by TEXT NOT NULL,
                        request_id TEXT,
                        signer TEXT,
                        outcome TEXT,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE INDEX operator_ops_state ON operator_ops(state, created_at);
                    CREATE INDEX operator_ops_created ON operator_ops(created_at);
                    CREATE TABLE used_nonces (
                        nonce TEXT PRIMARY KEY NOT NULL,
                        op_id TEXT NOT NULL,
                        signer TEXT NOT NULL,
                        used_at REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v9: restored allocations") { db in
            // The allocation a restore (POST /admin/vm/{id}/restore) was made from.
            try db.execute(sql: "ALTER TABLE allocations ADD COLUMN restored_from TEXT")
        }
        migrator.registerMigration("v10: catalogs stored in parts") { db in
            // A catalog in parts (`parts`: their ids in order; NULL: `payload` holds it whole), so a
            // refresh writes only the parts that changed, in short transactions, and publishes them
            // in one small commit. AUTOINCREMENT: a part id is never reused.
            try db.execute(
                sql: """
                    CREATE TABLE backend_catalog_parts (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        namespace TEXT NOT NULL,
                        payload TEXT NOT NULL
                    );
                    CREATE INDEX backend_catalog_parts_namespace ON backend_catalog_parts(namespace, id);
                    ALTER TABLE backend_catalogs ADD COLUMN parts TEXT;
                    """)
        }
        migrator.registerMigration("v11: catalog parts as bytes") { db in
            // A part a plugin wrote in its own binary form (`payload` is '' then): the pool's parts
            // are its packed VMs, half the bytes of their JSON and nothing to encode.
            try db.execute(sql: "ALTER TABLE backend_catalog_parts ADD COLUMN packed BLOB")
        }
        migrator.registerMigration("v12: occupants counted as they change") { db in
            try db.execute(sql: occupantsSQL)
        }
        return migrator
    }
}
