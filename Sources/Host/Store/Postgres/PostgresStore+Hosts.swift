public import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    /// The hosts columns joined with the host's last report (when still kept).
    static let hostSelect = """
        SELECT h.host_id, h.label, h.owner, h.labels, h.blocked, h.key_hash, h.desired_json, h.desired_generation,
            h.created_at, h.updated_at, h.agent_version, h.hostname, h.last_report_at, h.health, h.health_changed_at,
            r.id AS r_id, r.received_at AS r_received_at, r.reported_at AS r_reported_at,
            r.agent_version AS r_agent_version, r.hostname AS r_hostname, r.cpu_percent AS r_cpu_percent,
            r.mem_percent AS r_mem_percent, r.disk_percent AS r_disk_percent, r.uptime_s AS r_uptime_s,
            r.guest_total AS r_guest_total, r.guest_running AS r_guest_running,
            r.cloudflared_status AS r_cloudflared_status
        FROM hosts h LEFT JOIN host_reports r ON r.id = h.last_report_id
        """

    @discardableResult
    public func insertHost(_ host: HostRecord, audit: AuditEvent) async throws -> Bool {
        try await transaction { c in
            let inserted = try await c.rows(
                """
                INSERT INTO hosts (host_id, label, owner, labels, blocked, key_hash, desired_json, desired_generation,
                    created_at, updated_at, health)
                VALUES (\(host.hostID), \(host.label), \(host.owner), \(HostColumns.encode(host.labels)),
                    \(host.blocked), \(host.keyHash), \(host.desiredJSON), \(host.desiredGeneration),
                    \(host.createdAt.timeIntervalSince1970), \(host.updatedAt.timeIntervalSince1970),
                    \(host.announcedHealth.rawValue))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger)
            guard !inserted.isEmpty else { return false }
            try await Self.insert(audit, c, logger)
            return true
        }
    }

    public func host(id: String) async throws -> HostRecord? {
        try await rows(PostgresQuery(unsafeSQL: Self.hostSelect + " WHERE h.host_id = $1", binds: Self.binds(id)))
            .first.map(Self.hostRecord(row:))
    }

    public func host(keyHash: String) async throws -> HostRecord? {
        try await rows(PostgresQuery(unsafeSQL: Self.hostSelect + " WHERE h.key_hash = $1", binds: Self.binds(keyHash)))
            .first.map(Self.hostRecord(row:))
    }

    public func hosts() async throws -> [HostRecord] {
        try await rows(PostgresQuery(unsafeSQL: Self.hostSelect + " ORDER BY h.host_id")).map(Self.hostRecord(row:))
    }

    public func setHostBlocked(id: String, blocked: Bool, now: Date, audit: AuditEvent) async throws -> Bool {
        try await transaction { c in
            let updated = try await c.rows(
                """
                UPDATE hosts SET blocked = \(blocked), updated_at = \(now.timeIntervalSince1970)
                WHERE host_id = \(id) RETURNING 1
                """, logger: logger)
            guard !updated.isEmpty else { return false }
            try await Self.insert(audit, c, logger)
            return true
        }
    }

    public func recordHostReport(_ report: HostReportSummary, body: String) async throws -> HostReportSummary? {
        try await transaction { c in
            // FOR UPDATE: reports of one host commit one after the other, so `last_report_id` is the latest.
            guard
                try await !c.rows("SELECT 1 FROM hosts WHERE host_id = \(report.hostID) FOR UPDATE", logger: logger)
                    .isEmpty
            else { return nil }
            let inserted = try await c.rows(
                """
                INSERT INTO host_reports (host_id, received_at, reported_at, agent_version, hostname, cpu_percent,
                    mem_percent, disk_percent, uptime_s, guest_total, guest_running, cloudflared_status, body)
                VALUES (\(report.hostID), \(report.receivedAt.timeIntervalSince1970),
                    \(report.reportedAt.timeIntervalSince1970), \(report.agentVersion), \(report.hostname),
                    \(report.cpuPercent), \(report.memPercent), \(report.diskPercent), \(report.uptimeSeconds),
                    \(report.guestTotal), \(report.guestRunning), \(report.cloudflaredStatus), \(body))
                RETURNING id
                """, logger: logger)
            guard let id = try inserted.first?.decode(Int64.self) else {
                throw StoreError.corruptRow("storing a report of \(report.hostID) returned no id")
            }
            var stored = report
            stored.id = id
            // Reality columns only: an operator column is never named here.
            try await c.query(
                """
                UPDATE hosts SET agent_version = \(report.agentVersion), hostname = \(report.hostname),
                    last_report_at = \(report.receivedAt.timeIntervalSince1970), last_report_id = \(id)
                WHERE host_id = \(report.hostID)
                """, logger: logger)
            return stored
        }
    }

    public func upsertGuest(_ guest: GuestRecord) async throws {
        _ = try await rows(
            """
            INSERT INTO guests (guest_id, host_id, vmid, name, status, controller_version, spec, updated_at)
            VALUES (\(guest.guestID), \(guest.hostID), \(guest.vmid), \(guest.name), \(guest.status),
                \(guest.controllerVersion), \(guest.specJSON), \(guest.updatedAt.timeIntervalSince1970))
            ON CONFLICT (guest_id) DO UPDATE SET name = excluded.name, status = excluded.status,
                controller_version = excluded.controller_version, spec = excluded.spec,
                updated_at = excluded.updated_at
            """)
    }

    public func removeGuests(hostID: String, keeping: Set<String>) async throws -> Int {
        try await rows(
            """
            DELETE FROM guests WHERE host_id = \(hostID) AND NOT (vmid = ANY(\(Array(keeping)))) RETURNING 1
            """
        ).count
    }

    public func guests(hostID: String) async throws -> [GuestRecord] {
        try await rows("SELECT * FROM guests WHERE host_id = \(hostID) ORDER BY vmid").map { row in
            let r = row.makeRandomAccess()
            return GuestRecord(
                hostID: try r["host_id"].decode(String.self), vmid: try r["vmid"].decode(String.self),
                name: try r["name"].decode(String?.self), status: try r["status"].decode(String?.self),
                controllerVersion: try r["controller_version"].decode(String?.self),
                specJSON: try r["spec"].decode(String?.self),
                updatedAt: Date(timeIntervalSince1970: try r["updated_at"].decode(Double.self)))
        }
    }

    public func hostReports(hostID: String, limit: Int) async throws -> [HostReportSummary] {
        try await rows(
            """
            SELECT id AS r_id, host_id, received_at AS r_received_at, reported_at AS r_reported_at,
                agent_version AS r_agent_version, hostname AS r_hostname, cpu_percent AS r_cpu_percent,
                mem_percent AS r_mem_percent, disk_percent AS r_disk_percent, uptime_s AS r_uptime_s,
                guest_total AS r_guest_total, guest_running AS r_guest_running,
                cloudflared_status AS r_cloudflared_status
            FROM host_reports WHERE host_id = \(hostID) ORDER BY id DESC LIMIT \(max(1, limit))
            """
        ).compactMap { try Self.reportSummary(row: $0.makeRandomAccess()) }
    }

    public func transitionHostHealth(
        id: String, from: HostHealth, to: HostHealth, at: Date, events: [LifecycleEvent]
    ) async throws -> Bool {
        try await transaction { c in
            // One UPDATE with the old value in its WHERE: racing replicas serialize on the row, and
            // the second finds the health already moved and changes nothing.
            let updated = try await c.rows(
                """
                UPDATE hosts SET health = \(to.rawValue), health_changed_at = \(at.timeIntervalSince1970)
                WHERE host_id = \(id) AND health = \(from.rawValue) RETURNING 1
                """, logger: logger)
            guard !updated.isEmpty else { return false }
            for event in events { try await Self.insert(event, c, logger) }
            return true
        }
    }

    public func pruneHostReports(receivedBefore before: Date) async throws -> Int {
        try await rows("DELETE FROM host_reports WHERE received_at < \(before.timeIntervalSince1970) RETURNING 1").count
    }

    private static func binds(_ value: String) -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(value)
        return bindings
    }

    fileprivate static func hostRecord(row: PostgresRow) throws -> HostRecord {
        let r = row.makeRandomAccess()
        let hostID = try r["host_id"].decode(String.self)
        var host = HostRecord(
            hostID: hostID, label: try r["label"].decode(String.self), owner: try r["owner"].decode(String?.self),
            labels: HostColumns.decodeLabels(try r["labels"].decode(String.self)),
            keyHash: try r["key_hash"].decode(String.self),
            now: Date(timeIntervalSince1970: try r["created_at"].decode(Double.self)))
        host.blocked = try r["blocked"].decode(Bool.self)
        host.desiredJSON = try r["desired_json"].decode(String?.self)
        host.desiredGeneration = try r["desired_generation"].decode(Int.self)
        host.updatedAt = Date(timeIntervalSince1970: try r["updated_at"].decode(Double.self))
        host.agentVersion = try r["agent_version"].decode(String?.self)
        host.hostname = try r["hostname"].decode(String?.self)
        host.lastReportAt = try r["last_report_at"].decode(Double?.self).map(Date.init(timeIntervalSince1970:))
        host.announcedHealth = HostHealth(rawValue: try r["health"].decode(String.self)) ?? .neverReported
        host.healthChangedAt = try r["health_changed_at"].decode(Double?.self).map(Date.init(timeIntervalSince1970:))
        var summary = try reportSummary(row: r, hostID: hostID)
        summary?.hostID = hostID
        host.lastReport = summary
        return host
    }

    fileprivate static func reportSummary(row r: PostgresRandomAccessRow, hostID: String? = nil) throws
        -> HostReportSummary?
    {
        guard let id = try r["r_id"].decode(Int64?.self) else { return nil }
        return HostReportSummary(
            id: id, hostID: try hostID ?? r["host_id"].decode(String.self),
            receivedAt: Date(timeIntervalSince1970: try r["r_received_at"].decode(Double.self)),
            reportedAt: Date(timeIntervalSince1970: try r["r_reported_at"].decode(Double.self)),
            agentVersion: try r["r_agent_version"].decode(String.self),
            hostname: try r["r_hostname"].decode(String?.self), cpuPercent: try r["r_cpu_percent"].decode(Double?.self),
            memPercent: try r["r_mem_percent"].decode(Double?.self),
            diskPercent: try r["r_disk_percent"].decode(Double?.self),
            uptimeSeconds: try r["r_uptime_s"].decode(Int?.self), guestTotal: try r["r_guest_total"].decode(Int.self),
            guestRunning: try r["r_guest_running"].decode(Int.self),
            cloudflaredStatus: try r["r_cloudflared_status"].decode(String?.self))
    }
}
