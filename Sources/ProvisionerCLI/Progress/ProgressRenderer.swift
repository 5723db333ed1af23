/// The text of the progress display, without I/O: the status block a terminal redraws, and the
/// lines a pipe or log file gets, one per change.
enum ProgressRenderer {
    /// The status block: the state and elapsed time, then payment, each launch check (with when it
    /// was measured) and the customer message.
    static func block(_ snapshot: VMProgressSnapshot, elapsed: Duration) -> [String] {
        var lines = ["\(snapshot.vmID)  \(snapshot.state)  \(format(elapsed)) elapsed"]
        lines.append("  " + label("payment") + snapshot.paymentStatus)
        for check in snapshot.checks {
            var line = "  " + label(check.name) + check.status
            if check.status != "not_run", let at = check.measuredAt { line += "  (measured \(clock(at)))" }
            lines.append(line)
        }
        if snapshot.teardownPending { lines.append("  " + label("teardown") + "pending (reconcile retries it)") }
        if !snapshot.customerMessage.isEmpty { lines.append("  " + snapshot.customerMessage) }
        return lines
    }

    /// The lines for what changed from `old` (nil: the first look) to `new`.
    static func changes(from old: VMProgressSnapshot?, to new: VMProgressSnapshot, elapsed: Duration) -> [String] {
        let stamp = "[\(format(elapsed))]"
        guard let old else {
            let checks = new.checks.map { "\($0.name) \($0.status)" }.joined(separator: ", ")
            return ["\(stamp) \(new.vmID) \(new.state) (payment \(new.paymentStatus), \(checks))"]
        }
        var lines: [String] = []
        if old.state != new.state {
            let message = new.customerMessage.isEmpty ? "" : ": \(new.customerMessage)"
            lines.append("\(stamp) state \(new.state)\(message)")
        }
        if old.paymentStatus != new.paymentStatus { lines.append("\(stamp) payment \(new.paymentStatus)") }
        for check in new.checks {
            let before = old.checks.first { $0.name == check.name }
            guard before?.status != check.status || before?.measuredAt != check.measuredAt else { continue }
            let at = check.measuredAt.map { " (measured \(clock($0)))" } ?? ""
            lines.append("\(stamp) check \(check.name) \(check.status)\(at)")
        }
        if !old.teardownPending, new.teardownPending { lines.append("\(stamp) teardown pending") }
        return lines
    }

    /// `4.2s`, or `2m05s` from a minute on.
    static func format(_ elapsed: Duration) -> String {
        let milliseconds = max(
            0, elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        if milliseconds < 60_000 {
            return "\(milliseconds / 1000).\((milliseconds % 1000) / 100)s"
        }
        let seconds = milliseconds / 1000
        let rest = seconds % 60
        return "\(seconds / 60)m\(rest < 10 ? "0" : "")\(rest)s"
    }

    /// The time of day of an RFC 3339 timestamp (`10:21:04.120Z`), or the timestamp as it is.
    static func clock(_ timestamp: String) -> String {
        guard let t = timestamp.firstIndex(of: "T") else { return timestamp }
        return String(timestamp[timestamp.index(after: t)...])
    }

    private static func label(_ name: String) -> String {
        name.count >= 11 ? name + " " : name + String(repeating: " ", count: 11 - name.count)
    }
}
