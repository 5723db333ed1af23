import ProvisionerAPI

/// Every audit and lifecycle event kind the Host writes, each listed once with its meaning.
///
/// A constant table, like ``ProvisionerError/Code``'s static codes, not a registry of plugins:
/// nothing is added at run time. Three checks keep it complete: in debug builds the initializers of
/// ``AuditEvent`` and ``LifecycleEvent`` stop on a kind it lacks, a test scans `Sources/` for event
/// kinds written as literals, and README's table must equal ``markdownTable()``.
///
/// To add a kind: add a line here (the name is stored, so never rename one that shipped), then
/// run the tests with `UPDATE_EVENT_TABLE=1` to rewrite README's table.
public enum EventRegistry {
    /// The ``ClaimLedger`` namespaces in use: the backends that hand out claims (the pool backend).
    /// A ledger writes `<namespace>.vm_<state>` and `<namespace>.vm_freed`.
    public static let claimNamespaces = ["pool"]

    /// Every registered kind, sorted by category, then name.
    public static let all: [EventKind] = (audit + claimKinds + lifecycle).sorted {
        ($0.category.rawValue, $0.name) < ($1.category.rawValue, $1.name)
    }

    /// The kind registered under `name`, if any.
    public static func kind(named name: String) -> EventKind? { byName[name] }

    /// Whether `kind` is registered as a kind of `category`.
    public static func isRegistered(_ kind: String, as category: EventKind.Category) -> Bool {
        byName[kind]?.category == category
    }

    /// Stops a debug build when new code is about to write `kind` as a `category` event while the
    /// registry lacks it; release builds do not evaluate the check.
    static func assertRegistered(_ kind: String, as category: EventKind.Category) {
        assert(
            isRegistered(kind, as: category),
            "unregistered \(category.rawValue) event kind '\(kind)'"
                + (byName[kind].map { " (it is registered as \($0.category.rawValue))" } ?? "")
                + ": add it to EventRegistry in Sources/Host/Store/EventRegistry.swift")
    }

    private static let byName: [String: EventKind] = Dictionary(all.map { ($0.name, $0) }) { first, _ in first }

    private static let audit: [EventKind] =
        [
            .init(
                "order.created", .audit,
                "An order was accepted; it waits for payment, or for provisioning on a free plan."),
            .init("order.cancelled", .audit, "The order was released before provisioning began; nothing was created."),
            .init("payment.recorded", .audit, "A payment was recorded; the order is cleared for provisioning."),
            .init(
                "payment.not_paid", .audit,
                "A payment update said the order is not paid (the status is in the detail); it keeps waiting."),
            .init("provision.started", .audit, "An attempt to create the VM was journaled and the backend is called."),
            .init("provision.succeeded", .audit, "The VM was delivered and its launch checks passed or were not run."),
            .init(
                "provision.degraded", .audit,
                "The VM was delivered, but a launch check (DNS AAAA or the SSH banner) failed; see the detail."),
            .init("provision.failed", .audit, "The backend could not create the VM; the error code is in the detail."),
            .init(
                "provision.persistence_failed", .audit,
                "The backend created the VM but its result could not be stored: the VM was torn down again and "
                    + "the order reads failed."),
            .init(
                "provision.retry_requested", .audit,
                "A failed launch that left nothing behind was sent back to be provisioned again."),
            .init("release.requested", .audit, "Someone asked for the VM to be released; the request is kept."),
            .init("release.started", .audit, "The release of a VM began."),
            .init("release.completed", .audit, "The VM is released; the backend holds nothing for it any more."),
            .init("release.failed", .audit, "The backend could not release the VM; the worker tries again later."),
            .init(
                "deadline.exceeded", .audit,
                "The allocation stayed in provisioning or releasing past its deadline and was failed; what the "
                    + "backend created is torn down."),
            .init(
                "reconcile.vm_gone", .audit,
                "Reconcile found a delivered VM missing from the backend and failed the allocation (vm_gone)."),
            .init("dashboard.link_issued", .audit, "A signed, expiring dashboard link was issued for the user."),
            .init(
                "teardown.started", .audit,
                "A rollback teardown of a failed attempt was journaled and begins."),
            .init(
                "teardown.succeeded", .audit,
                "The rollback teardown removed everything the attempt created."),
            .init(
                "teardown.failed", .audit,
                "The rollback teardown failed; it stays pending and reconcile retries it."),
            .init(
                "lease.lost", .audit,
                "A worker's write was refused because another attempt took over the allocation; the stale worker "
                    + "stopped and tore nothing down."),
        ] + gateAudit

    /// Operator actions: the reversibility gate's decisions (DESIGN.md section 11), whose details
    /// name the op, its target, the request's credential and, once signed, the signer; the pool
    /// refresh; and minting, blocking and unblocking hosts (section 10).
    private static let gateAudit: [EventKind] = [
        .init("gate.pending", .audit, "A rotation or destructive operator op waits for an operator's SSH signature."),
        .init(
            "gate.allowed", .audit,
            "An operator op passed the gate (benign, or signed by an allowed signer whose role permits it); it runs."),
        .init(
            "gate.refused", .audit,
            "The gate refused an operator op or its signature; the code (signature_invalid, unknown_signer, "
                + "op_expired, nonce_replayed, role_denied, binding_mismatch, unknown_op, ...) is in the detail."),
        .init("gate.done", .audit, "An operator op that passed the gate ran to its end."),
        .init("gate.failed", .audit, "An operator op that passed the gate failed while running; see the detail."),
        .init(
            "gate.resumed", .audit,
            "An operator op a crash left running was run again at start-up (ops are idempotent)."),
        .init("pool.refreshed", .audit, "An operator replaced the pool; the sizes before and after are in the detail."),
        .init(
            "host.minted", .audit,
            "An operator minted a host id and its API key (shown once, stored as its SHA-256)."),
        .init(
            "host.blocked", .audit,
            "An operator blocked a host: its reports are still accepted, its pool VMs are not handed out."),
        .init("host.unblocked", .audit, "An operator unblocked a host."),
    ]

    /// What a ledger writes in each namespace, one kind per ``ClaimState`` plus `vm_freed`.
    private static let claimKinds: [EventKind] = claimNamespaces.flatMap { namespace in
        ClaimState.allCases.map { state in
            EventKind(
                EventKind.claimStateName(namespace: namespace, state: state), .audit,
                meaning(of: state, namespace: namespace))
        } + [
            EventKind(
                EventKind.claimFreedName(namespace: namespace), .audit,
                "The \(namespace) VM's claim was removed: it is free again for the next customer.")
        ]
    }

    private static func meaning(of state: ClaimState, namespace: String) -> String {
        switch state {
        case .assigned:
            "The \(namespace) VM was marked as held by the allocation in the claim ledger."
        case .cleaning:
            "The allocation released the \(namespace) VM; it waits for its release hook (a reset) before it is reused."
        case .quarantined:
            "The \(namespace) VM's reset failed for good, or it stayed cleaning past its deadline; it is not "
                + "handed out until an operator returns it."
        }
    }

    private static let lifecycle: [EventKind] = [
        .init(
            "deadline_exceeded", .lifecycle,
            "An allocation (or a pool VM being cleaned) passed the deadline of its transient state; it was "
                + "failed (or quarantined) and what the backend created is torn down."),
        .init("vm_stopped", .lifecycle, "Reconcile saw a delivered VM that was running and is now stopped."),
        .init("vm_recovered", .lifecycle, "Reconcile saw a stopped (or unknown) VM running again."),
        .init(
            "vm_gone", .lifecycle,
            "Reconcile found that the backend no longer has a delivered VM; the allocation is failed."),
        .init(
            "orphan_detected", .lifecycle,
            "The backend holds a resource tagged as ours that no active allocation owns; it is listed at "
                + "/admin/orphans and never deleted automatically."),
        .init(
            "recovered", .lifecycle,
            "Crash recovery finished, or rolled back, work that a previous run left unfinished."),
        .init(
            "recovery_failed", .lifecycle,
            "Crash recovery could not release what a failed allocation left behind; an operator should look."),
        .init(
            "teardown_pending", .lifecycle,
            "A rollback could not finish; reconcile retries it with backoff."),
        .init("teardown_finished", .lifecycle, "A pending rollback finished; nothing is left."),
        .init(
            "lease_lost", .lifecycle,
            "A worker's write was refused because another attempt took over the allocation; the stale worker "
                + "stopped and tore nothing down."),
        .init(
            "attempt_superseded", .lifecycle,
            "A re-driven allocation found an earlier attempt that never finished and rolled it back before "
                + "starting anew."),
        .init(
            "host_stale", .lifecycle,
            "A host sent no report for hosts.stale_after_s; its pool VMs are not handed out until it reports."),
        .init(
            "host_down", .lifecycle,
            "A host sent no report for hosts.down_after_s; written for the host and for each active allocation "
                + "on it."),
        .init("host_recovered", .lifecycle, "A stale or down host reported again."),
        .init(
            "vm_restarted", .lifecycle,
            "A delivered VM found stopped was started again (reconcile converging, through the gate's benign "
                + "restart_vm op)."),
        .init(
            "grace_expired", .lifecycle,
            "The grace period of a released VM the backend kept (on_release: halt_then_destroy) passed; "
                + "reconcile destroys it with its disks, journaled."),
        .init(
            "vm_restored", .lifecycle,
            "An operator restored a released allocation's kept VM: a new allocation for the same user adopts it "
                + "(restored_from names the old one)."),
    ]
}
