public import Foundation
public import Logging
public import ProvisionerAPI

/// The one place that calls a backend's `allocate`, and the place that calls its `release`.
///
/// Every backend mutation is bracketed by the store: the allocation row and a journal entry are
/// committed before the backend is called, and the outcome is committed after (section 7 of
/// DESIGN.md). When that final commit fails, whatever the backend created is torn down again.
public struct ProvisioningService: Sendable {
    let store: any Store
    let backend: any Provisioner
    let plans: [String: PlanSpec]
    let metrics: ServiceMetrics
    /// Measures DNS AAAA and the SSH banner of every delivered VM before its result is committed.
    let checker: LaunchProofChecker
    /// Attempts and first delay for tearing down a VM whose result could not be stored.
    let teardownAttempts: Int
    let teardownBaseDelay: Duration
    /// How long a failed release waits before the worker tries it again.
    let releaseRetryDelay: TimeInterval
    /// How long one `allocate` may take before the allocation fails with `deadline_exceeded`.
    let provisioningDeadline: Duration

    public init(
        store: any Store, backend: any Provisioner, plans: [String: PlanSpec], metrics: ServiceMetrics,
        checker: LaunchProofChecker = .disabled,
        teardownAttempts: Int = 4, teardownBaseDelay: Duration = .milliseconds(100),
        releaseRetryDelay: TimeInterval = 30, provisioningDeadline: Duration = .seconds(1800)
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
    }

    /// Does whatever a claimed allocation needs next: provision it, or release it.
    ///
    /// Errors are recorded on the allocation, never thrown: the worker moves on.
    public func process(_ record: AllocationRecord, logger: Logger) async {
        var logger = logger
        logger[metadataKey: "allocation.id"] = "\(record.id)"
        logger[metadataKey: "backend.name"] = "\(backend.name)"
        do {
            switch record.state {
            case .paid, .provisioning:
                let provisioned = try await provision(record, logger: logger)
                if provisioned.state == .releasing {
                    _ = try await release(provisioned, logger: logger)
                }
            case .releasing:
                _ = try await release(record, logger: logger)
            case .provisioned, .degraded, .failed,
                .rolledBack where record.releaseRequested:
                // A release was acknowledged, then a crash came between two steps: finish it.
                try await finishRequestedRelease(record, logger: logger)
            default:
                break
            }
        } catch {
            logger.error("allocation work failed", metadata: ["error": "\(error)"])
        }
    }

    /// Provisions one paid (or free-plan) allocation: journal, `allocate`, finalize.
    ///
    /// - Returns: The allocation as it is afterwards.
    /// - Throws: `provision_failed` when the backend succeeded but the result could not be stored
    ///   (the backend resource has been torn down), or a store error.
    @discardableResult
    public func provision(_ record: AllocationRecord, requestID: String? = nil, logger: Logger) async throws
        -> AllocationRecord
    {
        if record.releaseRequested, record.state == .paid {
            // Cancelled before anything was created.
            var change = AllocationChange.state(.released)
            change.releasedAt = Date()
            change.lease = .clear
            return try await apply(
                record, from: [.paid], change: change, journal: nil, audit: "order.cancelled",
                requestID: requestID)
        }
        if record.state == .provisioning {
            // Re-driven after a crash or an expired lease: the interrupted attempt is over.
            try await closeUnfinishedJournalEntries(of: record, outcome: "superseded")
        }
        let entry = JournalEntry(
            allocationID: record.id, backend: backend.name, operation: .allocate, startedAt: Date())
        var begin = AllocationChange.state(.provisioning)
        begin.incrementAttempts = true
        let started = try await apply(
            record, from: [.paid, .provisioning], change: begin, journal: .begin(entry), audit: "provision.started",
            requestID: requestID)

        let request: AllocationRequest
        do {
            request = try allocationRequest(for: started)
        } catch {
            return try await recordFailure(
                started, error: ProvisionerError.wrapping(error), opID: entry.opID,
                torndown: true, requestID: requestID, logger: logger)
        }

        let vm: VmAllocation
        do {
            let backend = backend
            vm = try await withDeadline(provisioningDeadline, operation: "allocate") {
                try await backend.allocate(request, logger: logger)
            }
        } catch {
            let failure = ProvisionerError.wrapping(error)
            logger.warning(
                "backend allocate failed", metadata: ["error.code": "\(failure.code)", "error": "\(failure)"])
            let torndown = await tearDown(allocationID: started.id, vm: nil, logger: logger)
            return try await recordFailure(
                started, error: failure, opID: entry.opID, torndown: torndown,
                requestID: requestID, logger: logger)
        }
        metrics.backendOperation("allocate", outcome: "succeeded", backend: backend.name)
        return try await finalize(started, vm: vm, opID: entry.opID, requestID: requestID, logger: logger)
    }

    /// Commits a successful allocation. When the commit fails the VM is torn down (retried with
    /// backoff), the row is marked failed and soft-deleted where possible, the audit event
    /// `provision.persistence_failed` is written, and `provision_failed` is thrown.
    private func finalize(
        _ record: AllocationRecord, vm: VmAllocation, opID: String, requestID: String?, logger: Logger
    ) async throws -> AllocationRecord {
        let checks = await checker.verify(hostname: record.hostname, vm: vm)
        let failedChecks = [("dns_aaaa", checks.dns), ("ssh_smoke", checks.ssh)].filter { $0.1.status == .failed }
        var change = AllocationChange.state(failedChecks.isEmpty ? .provisioned : .degraded)
        change.vm = vm
        change.dnsCheck = checks.dns
        change.sshCheck = checks.ssh
        change.provisionedAt = Date()
        change.lease = .clear
        change.rollbackAvailable = false
        if !failedChecks.isEmpty {
            change.operatorMessage = failedChecks.map { "\($0.0) failed: \($0.1.detail ?? "no detail")" }
                .joined(separator: "; ")
        }
        let detail = [
            vm.backendRef.map { "backend_ref=\($0)" }, "dns_aaaa=\(checks.dns.status.rawValue)",
            "ssh_smoke=\(checks.ssh.status.rawValue)",
        ].compactMap { $0 }.joined(separator: " ")
        let audit = event(
            failedChecks.isEmpty ? "provision.succeeded" : "provision.degraded", record,
            requestID: requestID, detail: detail)
        let outcome: TransitionOutcome
        do {
            outcome = try await store.transition(
                id: record.id, from: [.provisioning], change: change,
                journal: .finish(opID: opID, outcome: "succeeded"),
                audit: [audit])
        } catch {
            return try await persistenceFailed(
                record, vm: vm, opID: opID, cause: error, requestID: requestID, logger: logger)
        }
        switch outcome {
        case .applied(let updated):
            logger.info("VM provisioned", metadata: ["vm.ref": "\(vm.backendRef ?? "")"])
            return try await releaseIfRequested(updated, requestID: requestID)
        case .notFound, .stateConflict:
            // Someone else finished or changed this allocation; keep nothing we made for it.
            let current = try await store.allocation(id: record.id)
            if let current, current.vm?.backendRef == vm.backendRef, [.provisioned, .degraded].contains(current.state) {
                // A concurrent attempt finalized the same VM first: ours is over too.
                try await finishJournalEntry(opID, of: current, outcome: "superseded")
                return current
            }
            return try await persistenceFailed(
                record, vm: vm, opID: opID, cause: StoreError(message: "allocation changed state during provisioning"),
                requestID: requestID, logger: logger)
        }
    }

    /// Moves an allocation whose release was requested on to `releasing` (or straight to
    /// `released` when nothing was created) and releases it.
    func finishRequestedRelease(_ record: AllocationRecord, logger: Logger) async throws {
        if record.state == .rolledBack {
            var change = AllocationChange.state(.released)
            change.releasedAt = Date()
            change.lease = .clear
            _ = try await apply(
                record, from: [.rolledBack], change: change, journal: nil, audit: "release.completed", requestID: nil)
            return
        }
        var change = AllocationChange.state(.releasing)
        change.lease = .clear
        let releasing = try await apply(
            record, from: [record.state], change: change, journal: nil, audit: "release.started", requestID: nil)
        _ = try await release(releasing, logger: logger)
    }

    private func releaseIfRequested(_ record: AllocationRecord, requestID: String?) async throws -> AllocationRecord {
        guard record.releaseRequested else { return record }
        var change = AllocationChange.state(.releasing)
        change.lease = .clear
        return try await apply(
            record, from: [.provisioned, .degraded], change: change, journal: nil, audit: "release.started",
            requestID: requestID)
    }

    private func persistenceFailed(
        _ record: AllocationRecord, vm: VmAllocation, opID: String, cause: any Error, requestID: String?, logger: Logger
    ) async throws -> AllocationRecord {
        logger.error("could not store a provisioned VM; tearing it down", metadata: ["error": "\(cause)"])
        let torndown = await tearDown(allocationID: record.id, vm: vm, logger: logger)
        var change = AllocationChange.state(.failed)
        change.failureCode = ProvisionerError.Code.provisionFailed.rawValue
        change.operatorMessage = "result could not be stored: \(cause); teardown \(torndown ? "succeeded" : "FAILED")"
        change.rollbackAvailable = torndown
        change.deletedAt = Date()
        change.lease = .clear
        let detail =
            "backend=\(backend.name) backend_ref=\(vm.backendRef ?? "-") request_id=\(requestID ?? "-") teardown=\(torndown)"
        let audit = event("provision.persistence_failed", record, requestID: requestID, detail: detail)
        _ = try? await store.transition(
            id: record.id, from: [.provisioning], change: change,
            journal: .finish(opID: opID, outcome: "persistence_failed"),
            audit: [audit])
        // If even that could not be stored, write the audit event on its own.
        if (try? await store.allocation(id: record.id))?.state != .failed {
            try? await store.appendAudit([audit])
        }
        metrics.backendOperation("allocate", outcome: "persistence_failed", backend: backend.name)
        throw ProvisionerError(
            code: .provisionFailed, isRetryable: true,
            customerMessage: "Your machine could not be set up. Please try again.",
            operatorDetail: "finalize failed for \(record.id): \(cause)")
    }

    private func recordFailure(
        _ record: AllocationRecord, error: ProvisionerError, opID: String, torndown: Bool, requestID: String?,
        logger: Logger
    ) async throws -> AllocationRecord {
        metrics.backendOperation("allocate", outcome: "failed", backend: backend.name)
        let pastDeadline = error.code == .deadlineExceeded
        var change = AllocationChange.state(torndown && !pastDeadline ? .rolledBack : .failed)
        change.failureCode = error.code.rawValue
        change.operatorMessage = error.operatorDetail ?? error.customerMessage
        change.rollbackAvailable = torndown
        change.lease = .clear
        let audit = event(
            "provision.failed", record, requestID: requestID, detail: "\(error.code): \(change.operatorMessage ?? "")")
        let lifecycle =
            pastDeadline
            ? [
                LifecycleEvent(
                    at: Date(), kind: "deadline_exceeded", allocationID: record.id, backend: backend.name,
                    detail:
                        "provisioning took longer than \(provisioningDeadline); teardown \(torndown ? "succeeded" : "FAILED")"
                )
            ] : []
        let updated = try await apply(
            record, from: [.provisioning], change: change, journal: .finish(opID: opID, outcome: "failed"),
            auditEvent: audit, events: lifecycle)
        for event in lifecycle { metrics.lifecycleEvent(kind: event.kind) }
        if updated.releaseRequested, updated.state == .rolledBack {
            var release = AllocationChange.state(.released)
            release.releasedAt = Date()
            return try await apply(
                updated, from: [.rolledBack], change: release, journal: nil, audit: "release.completed",
                requestID: requestID)
        }
        return updated
    }

    /// Releases the VM of an allocation in `releasing`. A failure keeps it `releasing` and leases it
    /// out for ``releaseRetryDelay`` so the worker tries again later.
    @discardableResult
    public func release(_ record: AllocationRecord, requestID: String? = nil, logger: Logger) async throws
        -> AllocationRecord
    {
        try await closeUnfinishedJournalEntries(of: record, outcome: "superseded")
        let entry = JournalEntry(allocationID: record.id, backend: backend.name, operation: .release, startedAt: Date())
        let started = try await apply(
            record, from: [.releasing], change: AllocationChange(), journal: .begin(entry), audit: nil,
            requestID: requestID)
        let target = started.vm ?? VmAllocation(allocationID: started.id, backend: started.backend)
        do {
            try await backend.release(target, logger: logger)
        } catch {
            let failure = ProvisionerError.wrapping(error)
            metrics.backendOperation("release", outcome: "failed", backend: backend.name)
            logger.warning("backend release failed; will retry", metadata: ["error": "\(failure)"])
            var change = AllocationChange()
            change.operatorMessage = "release failed: \(failure)"
            change.lease = .set(owner: "retry-backoff", expiresAt: Date().addingTimeInterval(releaseRetryDelay))
            return try await apply(
                started, from: [.releasing], change: change, journal: .finish(opID: entry.opID, outcome: "failed"),
                auditEvent: event("release.failed", started, requestID: requestID, detail: "\(failure)"))
        }
        metrics.backendOperation("release", outcome: "succeeded", backend: backend.name)
        var change = AllocationChange.state(.released)
        change.releasedAt = Date()
        change.lease = .clear
        let outcome = try await store.transition(
            id: started.id, from: [.releasing], change: change,
            journal: .finish(opID: entry.opID, outcome: "succeeded"),
            audit: [event("release.completed", started, requestID: requestID)])
        guard case .applied(let released) = outcome else {
            // A concurrent release of the same allocation finished first: ours is over too.
            try await finishJournalEntry(entry.opID, of: started, outcome: "superseded")
            return try await store.allocation(id: started.id) ?? started
        }
        logger.info("VM released")
        return released
    }

    /// Finishes one journal entry without changing the allocation.
    private func finishJournalEntry(_ opID: String, of record: AllocationRecord, outcome: String) async throws {
        _ = try await store.transition(
            id: record.id, from: Set(LaunchProofStatus.allCases), change: AllocationChange(),
            journal: .finish(opID: opID, outcome: outcome), audit: [])
    }

    /// Releases whatever the backend holds for an allocation, retrying with exponential backoff.
    /// - Returns: Whether the backend confirmed the release.
    func tearDown(allocationID: String, vm: VmAllocation?, logger: Logger) async -> Bool {
        let target = vm ?? VmAllocation(allocationID: allocationID, backend: backend.name)
        var delay = teardownBaseDelay
        for attempt in 1...max(1, teardownAttempts) {
            do {
                try await backend.release(target, logger: logger)
                return true
            } catch {
                logger.warning("teardown attempt \(attempt) failed", metadata: ["error": "\(error)"])
                if attempt < teardownAttempts {
                    try? await Task.sleep(for: delay)
                    delay *= 2
                }
            }
        }
        return false
    }

    private func allocationRequest(for record: AllocationRecord) throws -> AllocationRequest {
        guard let plan = plans[record.plan] else {
            throw ProvisionerError.backendRejected("plan '\(record.plan)' is no longer configured")
        }
        return AllocationRequest(
            allocationID: record.id, userID: record.userID, plan: plan, hostname: record.hostname,
            sshPublicKeys: record.sshKeys, openPorts: record.openPorts, metadata: record.metadata)
    }

    private func apply(
        _ record: AllocationRecord, from: Set<LaunchProofStatus>, change: AllocationChange, journal: JournalMutation?,
        audit kind: String?, requestID: String?
    ) async throws -> AllocationRecord {
        try await apply(
            record, from: from, change: change, journal: journal,
            auditEvent: kind.map { event($0, record, requestID: requestID) })
    }

    /// Finishes every journal entry of `record` that an interrupted attempt left open.
    func closeUnfinishedJournalEntries(of record: AllocationRecord, outcome: String) async throws {
        for entry in try await store.journalEntries(allocationID: record.id) where entry.finishedAt == nil {
            _ = try await store.transition(
                id: record.id, from: Set(LaunchProofStatus.allCases), change: AllocationChange(),
                journal: .finish(opID: entry.opID, outcome: outcome), audit: [])
        }
    }

    private func apply(
        _ record: AllocationRecord, from: Set<LaunchProofStatus>, change: AllocationChange, journal: JournalMutation?,
        auditEvent: AuditEvent?, events: [LifecycleEvent] = []
    ) async throws -> AllocationRecord {
        switch try await store.transition(
            id: record.id, from: from, change: change, journal: journal, audit: auditEvent.map { [$0] } ?? [],
            events: events)
        {
        case .applied(let updated): return updated
        case .notFound: throw ProvisionerError.notFound("No VM with this id.")
        case .stateConflict(let current):
            throw ProvisionerError(
                code: .stateConflict, isRetryable: true, customerMessage: "The VM is changing state; please retry.",
                operatorDetail: "expected \(from.map(\.rawValue).sorted()), found \(current.state.rawValue)")
        }
    }

    private func event(_ kind: String, _ record: AllocationRecord, requestID: String?, detail: String? = nil)
        -> AuditEvent
    {
        AuditEvent(
            at: Date(), kind: kind, allocationID: record.id, userID: record.userID, actor: "provisioner",
            requestID: requestID, detail: detail)
    }
}
