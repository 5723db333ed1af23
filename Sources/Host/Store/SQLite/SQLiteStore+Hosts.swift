public import Foundation
import GRDB

extension SQLiteStore {
    /// The hosts columns joined with the host's last report (when still kept).
    static let hostSelect = """
        SELECT h.*, r.id AS r_id, r.received_at AS r_received_at, r.reported_at AS r_reported_at,
            r.agent_version AS r_agent_version, r.hostname AS r_hostname, r.cpu_percent AS r_cpu_percent,
            r.mem_percent AS r_mem_percent, r.disk_percent AS r_disk_percent, r.uptime_s AS r_uptime_s,
            r.guest_total AS r_guest_total, r.guest_running AS r_guest_running,
            r.cloudflared_status AS r_cloudflared_status
        FROM hosts h LEFT JOIN host_reports r ON r.id = h.last_report_id
        """

    @discardableResult
    public func insertHost(_ host: HostRecord, audit: AuditEvent) async throws -> Bool {
        try await writer.write { db in
            let taken = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM hosts WHERE host_id = ? OR key_hash = ?)",
                arguments: [host.hostID, host.keyHash])
            if taken == true { return false }
            try db.execute(
                sql: """
                    INSERT INTO hosts (host_id, label, owner, labels, blocked, key_hash, desired_json,
                        desired_generation, created_at, updated_at, health)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    host.hostID, host.label, host.owner, HostColumns.encode(host.labels), host.blocked, host.keyHash,
                    host.desiredJSON, host.desiredGeneration, host.createdAt.timeIntervalSince1970,
                    host.updatedAt.timeIntervalSince1970, host.announcedHealth.rawValue,
                ])
            try Self.insert(audit, db)
            return true
        }
    }

    public func host(id: String) async throws -> HostRecord? {
        try await writer.readOneStatement { db in
            try Row.fetchOne(db, cachedSQL: Self.hostSelect + " WHERE h.host_id = ?", arguments: [id]).map(
                Self.hostRecord)
        }
    }

    public func host(keyHash: String) async throws -> HostRecord? {
        try await writer.readOneStatement { db in
            try Row.fetchOne(db, cachedSQL: Self.hostSelect + " WHERE h.key_hash = ?", arguments: [keyHash])
                .map(Self.hostRecord)
        }
    }

    public func hosts() async throws -> [HostRecord] {
        try await writer.readOneStatement { db in
            try Row.fetchAll(db, cachedSQL: Self.hostSelect + " ORDER BY h.host_id").map(Self.hostRecord)
        }
    }

    public func setHostBlocked(id: String, blocked: Bool, now: Date, audit: AuditEvent) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE hosts SET blocked = ?, updated_at = ? WHERE host_id = ?",
                arguments: [blocked, now.timeIntervalSince1970, id])
            guard db.changesCount == 1 else { return false }
            try Self.insert(audit, db)
            return true
        }
    }

    public func recordHostReport(_ report: HostReportSummary, body: String) async throws -> HostReportSummary? {
        try await writer.write { db in
            guard
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM hosts WHERE host_id = ?)", arguments: [report.hostID])
                    == true
            else {
                return nil
            }
            try db.execute(
                sql: """
                    INSERT INTO host_reports (host_id, received_at, reported_at, agent_version, hostname, cpu_percent,
                        mem_percent, disk_percent, uptime_s, guest_total, guest_running, cloudflared_status, body)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    report.hostID, report.receivedAt.timeIntervalSince1970, report.reportedAt.timeIntervalSince1970,
                    report.agentVersion, report.hostname, report.cpuPercent, report.memPercent, report.diskPercent,
                    report.uptimeSeconds, report.guestTotal, report.guestRunning, report.cloudflaredStatus, body,
                ])
            var stored = report
            stored.id = db.lastInsertedRowID
            // Reality columns only: an operator column is never named here.
            try db.execute(
                sql: """
                    UPDATE hosts SET agent_version = ?, hostname = ?, last_report_at = ?, last_report_id = ?
                    WHERE host_id = ?
                    """,
                arguments: [
                    report.agentVersion, report.hostname, report.receivedAt.timeIntervalSince1970, stored.id,
                    report.hostID,
                ])
            return stored
        }
    }

    public func upsertGuest(_ guest: GuestRecord) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO guests (guest_id, host_id, vmid, name, status, controller_version, spec, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(guest_id) DO UPDATE SET name = excluded.name, status = excluded.status,
                        controller_version = excluded.controller_version, spec = excluded.spec,
                        updated_at = excluded.updated_at
                    """,
                arguments: [
                    guest.guestID, guest.hostID, guest.vmid, guest.name, guest.status, guest.controllerVersion,
                    guest.specJSON, guest.updatedAt.timeIntervalSince1970,
                ])
        }
    }

    public func removeGuests(hostID: String, keeping: Set<String>) async throws -> Int {
        try await writer.write { db in
            let present = try String.fetchAll(db, sql: "SELECT vmid FROM guests WHERE host_id = ?", arguments: [hostID])
            var removed = 0
            for vmid in present where !keeping.contains(vmid) {
                try db.execute(
                    sql: "DELETE FROM guests WHERE host_id = ? AND vmid = ?", arguments: [hostID, vmid])
                removed += db.changesCount
            }
            return removed
        }
    }

    public func guests(hostID: String) async throws -> [GuestRecord] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM guests WHERE host_id = ? ORDER BY vmid", arguments: [hostID]).map {
                row in
                GuestRecord(
                    hostID: row["host_id"], vmid: row["vmid"], name: row["name"], status: row["status"],
                    controllerVersion: row["controller_version"], specJSON: row["spec"],
                    updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
            }
        }
    }

    public func hostReports(hostID: String, limit: Int) async throws -> [HostReportSummary] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id AS r_id, host_id, received_at AS r_received_at, reported_at AS r_reported_at,
                        agent_version AS r_agent_version, hostname AS r_hostname, cpu_percent AS r_cpu_percent,
                        mem_percent AS r_mem_percent, disk_percent AS r_disk_percent, uptime_s AS r_uptime_s,
                        guest_total AS r_guest_total, guest_running AS r_guest_running,
                        cloudflared_status AS r_cloudflared_status
                    FROM host_reports WHERE host_id = ? ORDER BY id DESC LIMIT ?
                    """, arguments: [hostID, max(1, limit)]
            ).compactMap(Self.reportSummary)
        }
    }

    public func transitionHostHealth(
        id: String, from: HostHealth, to: HostHealth, at: Date, events: [LifecycleEvent]
    ) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE hosts SET health = ?, health_changed_at = ? WHERE host_id = ? AND health = ?",
                arguments: [to.rawValue, at.timeIntervalSince1970, id, from.rawValue])
            guard db.changesCount == 1 else { return false }
            for event in events { try Self.insert(event, db) }
            return true
        }
    }

    public func pruneHostReports(receivedBefore before: Date) async throws -> Int {
        try await writer.write { db in
            try db.execute(
                sql: "DELETE FROM host_reports WHERE received_at < ?", arguments: [before.timeIntervalSince1970])
            return db.changesCount
        }
    }

    fileprivate static func hostRecord(row: Row) -> HostRecord {
        var host = HostRecord(
            hostID: row["host_id"], label: row["label"], owner: row["owner"],
            labels: HostColumns.decodeLabels(row["labels"]), keyHash: row["key_hash"],
            now: Date(timeIntervalSince1970: row["created_at"]))
        host.blocked = row["blocked"]
        host.desiredJSON = row["desired_json"]
        host.desiredGeneration = row["desired_generation"]
        host.updatedAt = Date(timeIntervalSince1970: row["updated_at"])
        host.agentVersion = row["agent_version"]
        host.hostname = row["hostname"]
        host.lastReportAt = (row["last_report_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        host.announcedHealth = HostHealth(rawValue: row["health"]) ?? .neverReported
        host.healthChangedAt = (row["health_changed_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        var summary = reportSummary(row: row)
        summary?.hostID = host.hostID
        host.lastReport = summary
        return host
    }

    fileprivate static func reportSummary(row: Row) -> HostReportSummary? {
        guard let id: Int64 = row["r_id"] else { return nil }
        return HostReportSummary(
            id: id, hostID: row["host_id"], receivedAt: Date(timeIntervalSince1970: row["r_received_at"]),
            reportedAt: Date(timeIntervalSince1970: row["r_reported_at"]), agentVersion: row["r_agent_version"],
            hostname: row["r_hostname"], cpuPercent: row["r_cpu_percent"], memPercent: row["r_mem_percent"],
            diskPercent: row["r_disk_percent"], uptimeSeconds: row["r_uptime_s"], guestTotal: row["r_guest_total"],
            guestRunning: row["r_guest_running"], cloudflaredStatus: row["r_cloudflared_status"])
    }
}
