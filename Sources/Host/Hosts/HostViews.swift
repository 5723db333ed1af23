import Foundation

/// The JSON and page shapes of a host on `/admin/hosts` (DESIGN.md section 10).
enum HostViews {
    /// One host: identity, operator columns, health judged now, and the last report's figures.
    static func json(_ host: HostRecord, health: HostHealth) -> JSONValue {
        let report = host.lastReport
        return .object([
            ("host_id", .string(host.hostID)),
            ("label", .string(host.label)),
            ("owner", .string(host.owner)),
            ("health", .string(health.rawValue)),
            ("blocked", .bool(host.blocked)),
            ("last_report_at", .date(host.lastReportAt)),
            ("agent_version", .string(host.agentVersion)),
            ("hostname", .string(host.hostname)),
            ("guest_total", .int(report?.guestTotal)),
            ("guest_running", .int(report?.guestRunning)),
            ("cpu_percent", report?.cpuPercent.map { .double($0) } ?? .null),
            ("mem_percent", report?.memPercent.map { .double($0) } ?? .null),
            ("disk_percent", report?.diskPercent.map { .double($0) } ?? .null),
            ("uptime_s", .int(report?.uptimeSeconds)),
            ("cloudflared_status", .string(report?.cloudflaredStatus)),
            ("desired_generation", .int(host.desiredGeneration)),
            ("created_at", .date(host.createdAt)),
        ])
    }

    /// One host as a row of the HTML page.
    static func row(_ host: HostRecord, health: HostHealth) -> [String: Any] {
        let report = host.lastReport
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0) } ?? "—" }
        return [
            "host_id": host.hostID, "label": host.label, "owner": host.owner ?? "", "health": StateBadge.host(health),
            "blocked": host.blocked, "last_report_at": PageTime.context(host.lastReportAt),
            "agent_version": host.agentVersion ?? "", "hostname": host.hostname ?? "",
            "guests": report.map { "\($0.guestRunning)/\($0.guestTotal)" } ?? "—",
            "cpu": percent(report?.cpuPercent), "mem": percent(report?.memPercent),
            "disk": percent(report?.diskPercent), "cloudflared": report?.cloudflaredStatus ?? "—",
        ]
    }
}
