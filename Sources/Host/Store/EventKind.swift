public import ProvisionerAPI

/// One kind of event the Host writes: its stored name, whether it is an ``AuditEvent`` or a
/// ``LifecycleEvent``, and what it means to an operator reading the log.
///
/// Every kind the code writes is listed once in ``EventRegistry/all``; README's "Event kinds"
/// table is rendered from that list.
public struct EventKind: Sendable, Hashable {
    /// Which of the two event logs a kind is written to.
    public enum Category: String, Sendable, Hashable, CaseIterable {
        /// An action someone (a customer, the service, an operator, a worker) took: ``AuditEvent``.
        case audit
        /// Something observed about a VM's life: ``LifecycleEvent``.
        case lifecycle
    }

    /// The stored name, e.g. `order.created` or `vm_gone`; never renamed once shipped.
    public let name: String
    /// The log the kind is written to.
    public let category: Category
    /// One sentence an operator understands.
    public let meaning: String

    /// Creates a kind; the registry is the only place that should need to.
    public init(_ name: String, _ category: Category, _ meaning: String) {
        self.name = name
        self.category = category
        self.meaning = meaning
    }

    /// The audit kind a ``ClaimLedger`` writes when a claim in `namespace` moves to `state`,
    /// e.g. `pool.vm_cleaning`.
    public static func claimStateName(namespace: String, state: ClaimState) -> String {
        "\(namespace).vm_\(state.rawValue)"
    }

    /// The audit kind a ``ClaimLedger`` writes when a claim in `namespace` is removed (the
    /// resource is free again), e.g. `pool.vm_freed`.
    public static func claimFreedName(namespace: String) -> String { "\(namespace).vm_freed" }
}
