import Foundation
import Host

/// How `vm create --dry-run` prints the server's preview (`POST /v1/vm?dry_run=true`).
enum DryRunReport {
    /// Asks for the preview and prints it.
    ///
    /// - Throws: ``ServerError`` carrying the refusal (exit 1) when a real order would be refused now.
    static func run(
        _ order: ProvisionerClient.Order, client: ProvisionerClient, format: OutputFormat, console: ConsoleOutput
    ) async throws {
        let response = try await client.createVM(order, dryRun: true)
        let preview = try response.json()
        try VMReport.print(response, format, console: console, rows: rows)
        if format == .table { VMReport.remark("dry run: nothing was created", format, console: console) }
        if let refusal = preview["refusal"], refusal != .null {
            let envelope = JSONValue.object([("error", refusal)])
            var error = ServerError(status: refusal["status"]?.intValue ?? 400, body: Data(envelope.serialized.utf8))
            error.body = Data()  // the preview was printed already
            throw error
        }
    }

    /// The table rows of a preview.
    static func rows(_ preview: JSONValue) -> [(String, String)] {
        let admission = preview["admission"] ?? .null
        let capacity = admission["capacity"] ?? .null
        let quota = admission["quota"] ?? .null
        let ports = admission["blocked_ports"] ?? .null
        var rows: [(String, String)] = [
            ("user_id", preview.cell("user_id")),
            ("plan", preview.cell("plan")),
            ("backend", preview.cell("backend") + (preview["is_demo"]?.boolValue == true ? " (demo)" : "")),
            ("price", price(preview["price_cents"]?.intValue)),
            ("payment_required", preview.cell("payment_required")),
            ("would_be_accepted", preview.cell("would_be_accepted")),
        ]
        if let replay = preview["replay_of"]?.stringValue { rows.append(("replay_of", replay)) }
        if let refusal = preview["refusal"], refusal != .null {
            rows.append(("refusal", "\(refusal.cell("code")): \(refusal.cell("message"))"))
        }
        rows.append(("capacity", capacityText(capacity)))
        rows.append(
            (
                "quota",
                quota["applies"]?.boolValue == true
                    ? "\(quota.cell("active_paid")) of \(quota.cell("limit")) paid VMs active"
                    : "does not apply (\(quota["limit"]?.intValue == 0 ? "no cap" : "plan needs no payment"))"
            ))
        let requested = ports["requested"]?.arrayValue.map(\.cell) ?? []
        let blocked = ports["blocked"]?.arrayValue.map(\.cell) ?? []
        rows.append(
            (
                "blocked_ports",
                requested.isEmpty
                    ? "none requested"
                    : blocked.isEmpty ? "none of \(requested.joined(separator: ", "))" : blocked.joined(separator: ", ")
            ))
        if let vm = preview["offered_vm"], vm != .null {
            let address = vm["ipv6"]?.stringValue ?? vm["ipv4"]?.stringValue ?? "-"
            rows.append(("offered_vm", "\(vm.cell("vm_id")) (\(address))"))
        } else if preview["backend"]?.stringValue == "pool" {
            rows.append(("offered_vm", "none free"))
        }
        return rows
    }

    private static func price(_ cents: Int?) -> String {
        guard let cents else { return "-" }
        return cents == 0 ? "free" : "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
    }

    private static func capacityText(_ capacity: JSONValue) -> String {
        var parts: [String] = []
        switch capacity["has_room"]?.boolValue {
        case true?: parts.append("room")
        case false?: parts.append("no room")
        case nil: parts.append("not reported by the backend")
        }
        if let slots = capacity["plan_slots"]?.intValue, let occupied = capacity["occupied_for_plan"]?.intValue {
            parts.append("\(occupied) of \(slots) slots for the plan taken")
        }
        if let slots = capacity["total_slots"]?.intValue, let occupied = capacity["occupied_in_all"]?.intValue {
            parts.append("\(occupied) of \(slots) in all")
        }
        return parts.joined(separator: "; ")
    }
}
