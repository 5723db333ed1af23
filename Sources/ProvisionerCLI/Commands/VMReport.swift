import Foundation
import Host

/// How the `vm` commands print a VM, and wait for one.
enum VMReport {
    /// The rows of the table that describes a VM (service view or public status).
    static func rows(_ view: JSONValue) -> [(String, String)] {
        var rows: [(String, String)] = [
            ("vm_id", view.cell("vm_id")),
            ("state", view.cell("launch_proof_status")),
            ("payment", view.cell("payment_status")),
        ]
        for key in ["user_id", "plan", "backend"] where view[key] != nil { rows.append((key, view.cell(key))) }
        rows.append(("is_demo", view.cell("is_demo")))
        for key in ["hostname", "ipv4", "ipv6"] where view[key] != nil { rows.append((key, view.cell(key))) }
        if let ssh = view["ssh"], ssh != .null {
            rows.append(("ssh", "\(ssh.cell("host")) port \(ssh.cell("port"))"))
        }
        if view["cockpit_url"] != nil { rows.append(("cockpit_url", view.cell("cockpit_url"))) }
        rows.append(("dns_aaaa", check(view, "dns_aaaa_verified", at: "dns_aaaa_checked_at")))
        rows.append(("ssh_smoke", check(view, "ssh_smoke_status", at: "ssh_smoke_checked_at")))
        rows.append(("rollback_available", view.cell("rollback_available")))
        if view["teardown_pending"]?.boolValue == true { rows.append(("teardown_pending", "yes")) }
        if let code = view["failure_code"]?.stringValue { rows.append(("failure_code", code)) }
        rows.append(("message", view.cell("customer_message")))
        if view["operator_message"] != nil, view["operator_message"] != .null {
            rows.append(("operator_message", view.cell("operator_message")))
        }
        rows.append(("updated_at", view.cell("updated_at")))
        return rows
    }

    private static func check(_ view: JSONValue, _ key: String, at: String) -> String {
        let status = view.cell(key)
        guard let measured = view[at]?.stringValue else { return status }
        return "\(status) (measured \(measured))"
    }

    /// Prints an answer: its JSON as sent with `--output json`, else the table `rows` makes of it.
    static func print(
        _ response: ProvisionerClient.Response, _ format: OutputFormat, console: ConsoleOutput,
        rows: (JSONValue) -> [(String, String)] = VMReport.rows
    ) throws {
        switch format {
        case .json: console.line(String(decoding: response.body, as: UTF8.self))
        case .table: console.line(TextTable.keyValue(rows(try response.json())))
        }
    }

    /// A line for a person: standard output with tables, standard error with JSON (which keeps
    /// standard output to the API's JSON).
    static func remark(_ text: String, _ format: OutputFormat, console: ConsoleOutput) {
        format == .json ? console.errorLine(text) : console.line(text)
    }

    /// Waits for `id` to reach `goal` showing progress, then prints the VM.
    ///
    /// - Throws: ``VMEndedBadly`` when it ended `failed` or `rolled_back` (exit 3).
    static func waitAndPrint(
        _ id: String, goal: WaitGoal, client: ProvisionerClient, waiting: WaitOptions, format: OutputFormat,
        console: ConsoleOutput
    ) async throws {
        // Progress goes where a person looks: standard output, or standard error when it carries JSON.
        let toError = format == .json
        var display = ProgressDisplay(
            terminal: toError ? console.errorIsTerminal : console.outputIsTerminal,
            write: toError ? console.writeError : console.write)
        let (body, snapshot) = try await waiting.waiter(client).wait(for: id, goal: goal, display: &display)
        let response = ProvisionerClient.Response(status: 200, headers: [], body: body)
        if format == .table { console.line("") }
        try print(response, format, console: console)
        if snapshot.endedBadly {
            let code = snapshot.failureCode.map { ", failure_code \($0)" } ?? ""
            console.errorLine("error: \(id) ended \(snapshot.state)\(code): \(snapshot.customerMessage)")
            throw VMEndedBadly(state: snapshot.state)
        }
        if goal == .launch, snapshot.state == "payment_required" {
            remark("waiting for payment: provisioner vm pay \(id) --reference REF --wait", format, console: console)
        }
    }
}
