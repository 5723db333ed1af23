public import Foundation
public import Logging
public import ProvisionerAPI

/// Executes the lifecycle's decisions for an allocation a caller holds: commits each one, runs
/// its effect (the one place that calls a backend's `allocate`, and the place that calls its
/// `release`), and feeds the outcome back in as the next input.
///
/// Every backend mutation is bracketed by the store: a journal entry is committed before the
/// backend is called and closed with the outcome after (DESIGN.md sections 7 and 8). Every
/// commit is fenced by the lease epoch the caller claimed; a holder that lost its lease stops
/// and tears nothing down.
public struct ProvisioningService: Sendable {
    let store: any Store
    let backend: any Provisioner
    let plans: [String: PlanSpec]
    let metrics: ServiceMetrics
    /// Measures DNS AAAA and the SSH banner of every delivered VM before its result is committed.
    let checker: LaunchProofChecker
    /// Attempts and first delay of one teardown run (a failed run is retried later by reconcile).
    let teardownAttempts: Int
    let teardownBaseDelay: Duration
    /// How long a failed release waits before the worker tries it again.
    let releaseRetryDelay: TimeInterval
    /// How long one `allocate` may take before the allocation fails with `deadline_exceeded`.
    let provisioningDeadline: Duration
    /// How long a lease lasts; renewed every third of it while a backend call runs.
    let leaseSeconds: TimeInterval
    /// The first wait before a failed teardown is retried (doubled per failure, capped at an hour).
    let teardownRetryBase: TimeInterval

    public init(
        store: any Store, backend: any Provisioner, plans: [String: PlanSpec], metrics: ServiceMetrics,
        checker: LaunchProofChecker = .disabled,
        teardownAttempts: Int = 4, teardownBaseDelay: Duration = .milliseconds(100),
        releaseRetryDelay: TimeInterval = 30, provisioningDeadline: Duration = .seconds(1800),
        leaseSeconds: TimeInterval = 300, teardownRetryBase: TimeInterval = 30
    ) {
        self.store = store
        self.backend = backend
        self.plans = plans
        self.metrics = metrics
        self.checker = checker
        self.teardownAttempts = teardownAttempts
        self.teardownBaseDelay = teardownBaseDelay
        self.releaseRetryDelay = releaseRetryDelay
        self.provisioningDeadline = provisioningDeadline
        self.leaseSeconds = leaseSeconds
        self.teardownRetryBase = teardownRetryBase
    }

    var committer: LifecycleCommitter { LifecycleCommitter(store: store, metrics: metrics) }

    /// Does whatever a claimed allocation needs next. Errors are recorded, never thrown: the
    /// worker moves on.
    public func process(_ record: AllocationRecord, logger: Logger) async {
        var logger = logger
        logger[metadataKey: "allocation.id"] = "\(record.id)"
        logger[metadataKey: "backend.name"] = "\(backend.name)"
        do {
            _ = try await work(on: record, actor: "provisioner", logger: logger)
        } catch let error as ProvisionerError where error.code == .leaseLost {
            // Noted when it happened; another attempt owns the allocation now.
        } catch {
            logger.error("allocation work failed", metadata: ["error": "\(error)"])
        }
    }

    /// Goes on with work handed off by the commit that claimed it (``WorkHandOffs``): runs
    /// `effect`, the first step that commit decided, and drives on; with no effect, does whatever
    /// the allocation needs next, as for a claim. Errors are recorded, never thrown.
    public func resume(_ record: AllocationRecord, after effect: AllocationLifecycle.Effect, logger: Logger) async {
        guard effect != .none else { return await process(record, logger: logger) }
        var logger = logger
        logger[metadataKey: "allocation.id"] = "\(record.id)"
        logger[metadataKey: "backend.name"] = "\(backend.name)"
        do {
            guard let outcome = try await run(effect, on: record, logger: logger) else { return }
            _ = try await drive(record, outcome, actor: "provisioner", logger: logger)
        } catch let lost as LeaseLostError {
            await committer.noteLeaseLost(lost, record: record, actor: "provisioner", logger: logger)
        } catch let error as ProvisionerError where error.code == .leaseLost {
            // Noted when it happened; another attempt owns the allocation now.
        } catch {
            logger.error("allocation work failed", metadata: ["error": "\(error)"])
        }
    }

    /// Provisions an allocation the caller has just claimed (the retry route), synchronously.
    ///
    /// - Returns: The allocation as it is afterwards.
    /// - Throws: `provision_failed` when the backend succeeded but the result could not be stored
    ///   (what it created has been torn down), `lease_lost`, `state_conflict`, or a store error.
    @discardableResult
    public func provision(_ record: AllocationRecord, requestID: String? = nil, logger: Logger) async throws
        -> AllocationRecord
    {
        try await work(on: record, actor: "service", requestID: requestID, logger: logger)
    }

    /// Runs the lifecycle from ``AllocationLifecycle/Input/workClaimed(open:)`` for an allocation
    /// the caller holds (its open journal entries are read first).
    public func work(
        on record: AllocationRecord, actor: String, requestID: String? = nil, logger: Logger
    ) async throws -> AllocationRecord {
        let open = try await store.journalEntries(allocationID: record.id).filter(\.isOpen)
        return try await drive(record, .workClaimed(open: open), actor: actor, requestID: requestID, logger: logger)
    }

    /// Claims an allocation whose lease is free or expired (a new epoch fences out whoever held
    /// it) and does whatever it needs next: recovery's and reconcile's way in.
    public func takeOver(
        _ record: AllocationRecord, actor: String, leaseOwner: String, logger: Logger
    ) async throws -> AllocationRecord {
        let claimed = try await drive(record, .takeOver, actor: actor, leaseOwner: leaseOwner, logger: logger)
        return try await work(on: claimed, actor: actor, logger: logger)
    }

    /// Decides `input` for `record`, commits it, runs its effect and goes on with the outcome
    /// until a decision has no effect.
    ///
    /// - Parameter leaseOwner: The owner a claim made on the way records (reconcile, recovery).
    public func drive(
        _ record: AllocationRecord, _ input: AllocationLifecycle.Input, actor: String, requestID: String? = nil,
        leaseOwner: String? = nil, logger: Logger
    ) async throws -> AllocationRecord {
        try await drive(
            record, EffectOutcome(input: input), actor: actor, requestID: requestID, leaseOwner: leaseOwner,
            logger: logger)
    }

    /// ``drive(_:_:actor:requestID:leaseOwner:logger:)`` from an effect's outcome: a prepared
    /// release's claim writes ride in the commit of its input, and what the backend does once they
    /// are committed runs after that commit only.
    func drive(
        _ record: AllocationRecord, _ outcome: EffectOutcome, actor: String, requestID: String? = nil,
        leaseOwner: String? = nil, logger: Logger
    ) async throws -> AllocationRecord {
        var record = record
        var input = outcome.input
        var release = outcome.release
        var persistenceFailure: String?
        do {
            work: while true {
                var decision = try AllocationLifecycle.decide(
                    record, input, context: context(actor: actor, requestID: requestID, leaseOwner: leaseOwner))
                let prepared = release
                release = nil
                if let prepared { decision.claims = prepared.writes }
                do {
                    record = try await committer.commit(decision, on: record, logger: logger)
                } catch let error where !(error is ProvisionerError) && !(error is LeaseLostError) {
                    switch input {
                    case .checksMeasured(let vm, _, let entry) where persistenceFailure == nil:
                        // The VM exists but its result could not be stored: fail the order, tear it down.
                        logger.error(
                            "could not store a provisioned VM; tearing it down", metadata: ["error": "\(error)"])
                        metrics.backendOperation("allocate", outcome: "persistence_failed", backend: backend.name)
                        persistenceFailure = "\(error)"
                        input = .finalizeFailed(vm, cause: "\(error)", entry: entry)
                        continue work
                    case .finalizeFailed(let vm, _, _):
                        // Not even the failure could be stored: tear down now and keep the audit
                        // event; the open journal entry lets recovery finish the rest.
                        await store.appendAuditLogging(decision.audit, logger: logger)
                        do {
                            try await tearDown(
                                VmAllocation(allocationID: record.id, backend: record.backend, attempt: vm.attempt),
                                logger: logger)
                        } catch {
                            logger.error(
                                "teardown of an unstored VM failed; recovery finishes it",
                                metadata: ["error": "\(error)"])
                        }
                        break work
                    default:
                        throw error
                    }
                }
                prepared?.committed()
                guard let next = try await run(decision.effect, on: record, logger: logger) else { break }
                input = next.input
                release = next.release
            }
        } catch let lost as LeaseLostError {
            await committer.noteLeaseLost(lost, record: record, actor: actor, logger: logger)
            throw lost.provisionerError
        }
        if let persistenceFailure {
            throw ProvisionerError(
                code: .provisionFailed, isRetryable: true,
                customerMessage: "Your machine could not be set up. Please try again.",
                operatorDetail: "finalize failed for \(record.id): \(persistenceFailure)")
        }
        return record
    }

    func context(actor: String, requestID: String?, leaseOwner: String?) -> AllocationLifecycle.Context {
        AllocationLifecycle.Context(
            actor: actor, requestID: requestID, leaseOwner: leaseOwner ?? actor, leaseSeconds: leaseSeconds,
            releaseRetryDelay: releaseRetryDelay, teardownRetryBase: teardownRetryBase)
    }
}
