public import Foundation
public import Logging
public import ProvisionerAPI

/// What an op needs while it is checked and run.
public struct GateOpContext: Sendable {
    public var store: any Store
    public var backend: any Provisioner
    public var orders: OrderService
    public var metrics: ServiceMetrics
    public var logger: Logger
    public var requestID: String?
    public var now: Date
}

/// One op the gate knows: what its target is, where the target came from, and how it runs.
///
/// Adding an op is one entry in ``GateOps/table``.
public struct GateOpDefinition: Sendable {
    /// The op's name, as requested and signed.
    public var name: String
    /// What `target` names, for errors and the listing.
    public var targetMeaning: String
    /// Refuses a target the op cannot act on now (`not_found`, also for a pool op on a Host
    /// without the pool; `state_conflict`), before anything is stored.
    public var check: @Sendable (_ target: String, _ context: GateOpContext) async throws -> Void
    /// What the journal says about the target.
    public var provenance: @Sendable (_ target: String, _ context: GateOpContext) async throws -> OpProvenance
    /// Runs the op (idempotently: a crash mid-op runs it again at start-up); returns its outcome.
    public var run: @Sendable (_ op: OperatorOp, _ context: GateOpContext) async throws -> String
}

extension GateOpDefinition {
    /// The provenance of an allocation from its record and journal: delivered (a VM a customer
    /// had) is customer data; created only by attempts that failed in journaled steps is a
    /// failed attempt; anything else is unknown.
    static func provenance(ofAllocation id: String?, store: any Store) async throws -> OpProvenance {
        guard let id, let record = try await store.allocation(id: id) else { return .unknown }
        if record.provisionedAt != nil || [.provisioned, .degraded, .releasing].contains(record.state) {
            return .customerData
        }
        let entries = try await store.journalEntries(allocationID: id)
        let attempts = entries.filter { $0.operation == .allocate }
        guard !attempts.isEmpty, attempts.allSatisfy({ !$0.isOpen && $0.outcome != "succeeded" }),
            [.failed, .rolledBack, .released].contains(record.state)
        else { return .unknown }
        return .failedAttempt
    }
}
