import Host

/// One look at a VM while a command waits for it: what the progress display shows, read from
/// the service view (`GET /v1/vm/{id}`).
struct VMProgressSnapshot: Equatable, Sendable {
    /// One launch check (DESIGN.md section 6): `not_run` until measured, then `passed` or `failed`
    /// with the time it was measured.
    struct Check: Equatable, Sendable {
        var name: String
        var status: String
        var measuredAt: String?
    }

    var vmID: String
    var state: String
    var paymentStatus: String
    var customerMessage: String
    var failureCode: String?
    var teardownPending: Bool
    var checks: [Check]

    /// The snapshot of a service view.
    init(_ view: JSONValue) {
        vmID = view["vm_id"]?.stringValue ?? "?"
        state = view["launch_proof_status"]?.stringValue ?? "unknown"
        paymentStatus = view["payment_status"]?.stringValue ?? "unknown"
        customerMessage = view["customer_message"]?.stringValue ?? ""
        failureCode = view["failure_code"]?.stringValue
        teardownPending = view["teardown_pending"]?.boolValue ?? false
        checks = [
            Check(
                name: "dns_aaaa", status: view["dns_aaaa_verified"]?.stringValue ?? "not_run",
                measuredAt: view["dns_aaaa_checked_at"]?.stringValue),
            Check(
                name: "ssh_smoke", status: view["ssh_smoke_status"]?.stringValue ?? "not_run",
                measuredAt: view["ssh_smoke_checked_at"]?.stringValue),
        ]
    }

    init(
        vmID: String, state: String, paymentStatus: String, customerMessage: String, failureCode: String? = nil,
        teardownPending: Bool = false, checks: [Check]
    ) {
        self.vmID = vmID
        self.state = state
        self.paymentStatus = paymentStatus
        self.customerMessage = customerMessage
        self.failureCode = failureCode
        self.teardownPending = teardownPending
        self.checks = checks
    }

    /// Whether the VM ended badly: `failed` or `rolled_back` (exit code 3).
    var endedBadly: Bool { ["failed", "rolled_back"].contains(state) }
}

/// What a command waits for.
enum WaitGoal: Sendable {
    /// `vm create --wait`, `vm pay --wait`: the launch settles (delivered, failed, rolled back), or
    /// the order waits for a payment that only `vm pay` can record.
    case launch
    /// `vm release --wait`: the VM is released (or the release failed).
    case release
    /// `vm status --watch`: any state nothing moves on from by itself.
    case settle

    /// Whether `snapshot` ends the wait.
    func isReached(_ snapshot: VMProgressSnapshot) -> Bool {
        // A rollback whose teardown is still pending is not over yet.
        if snapshot.state == "failed", snapshot.teardownPending { return false }
        switch self {
        case .launch:
            return ["payment_required", "provisioned", "degraded", "failed", "rolled_back", "released"]
                .contains(snapshot.state)
        case .release:
            return ["released", "failed", "rolled_back"].contains(snapshot.state)
        case .settle:
            return ["payment_required", "provisioned", "degraded", "failed", "rolled_back", "released"]
                .contains(snapshot.state)
        }
    }
}
