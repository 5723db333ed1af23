public import Foundation
public import Logging
public import ProvisionerAPI
public import ServiceLifecycle
import Synchronization

/// The reconcile loop (DESIGN.md section 8), a service beside the HTTP server: every
/// `reconcile.interval_s` it compares what the store believes with what the backend reports.
///
/// A pass enforces the deadlines of the transient states, asks the backend's `status` for every
/// provisioned allocation and records drift as lifecycle events (`vm_stopped`, `vm_recovered`,
/// `vm_gone`), lists the backend's inventory (``InventoryListing``) for resources tagged as ours
/// that no active allocation owns (`orphan_detected`, never deleted automatically), and sets the
/// allocations-per-state gauge. Calls for one allocation are serialized; different allocations
/// run in parallel up to `reconcile.concurrency`; one failing backend call never stops the pass.
public final class ReconcileService: Service {
    let store: any Store
    let provisioning: ProvisioningService
    let backend: any Provisioner
    let configuration: ReconcileConfiguration
    let metrics: ServiceMetrics
    let orphans: OrphanRegistry
    let logger: Logger
    /// The last power state seen per allocation, to report changes once.
    private let observed = Mutex<[String: VmStatus.PowerState]>([:])
    /// Allocations with a reconcile call in flight: one call per allocation at a time.
    private let inFlight = Mutex<Set<String>>([])

    public init(
        store: any Store, provisioning: ProvisioningService, backend: any Provisioner,
        configuration: ReconcileConfiguration, metrics: ServiceMetrics, orphans: OrphanRegistry, logger: Logger
    ) {
        self.store = store
        self.provisioning = provisioning
        self.backend = backend
        self.configuration = configuration
        self.metrics = metrics
        self.orphans = orphans
        self.logger = logger
    }

    public func run() async throws {
        logger.info("reconcile loop started", metadata: ["reconcile.interval_s": "\(configuration.intervalSeconds)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            _ = await runPass()
            do {
                let interval = configuration.intervalSeconds
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            } catch {
                break
            }
        }
        logger.info("reconcile loop stopped")
    }

    /// What one pass found.
    public struct PassReport: Sendable, Equatable {
        public var checked = 0
        public var events: [String: Int] = [:]
        public var failedCalls = 0
    }

    /// A pass's report while concurrent checks add to it.
    final class PassTally: Sendable {
        private let state = Mutex(PassReport())
        func withLock<T>(_ body: (inout PassReport) -> T) -> T { state.withLock { body(&$0) } }
    }

    /// Runs one pass now (the loop calls it; tests call it directly).
    @discardableResult
    public func runPass(now: Date = Date()) async -> PassReport {
        let report = PassTally()
        await enforceDeadlines(now: now, report: report)
        await checkDrift(report: report)
        await findOrphans(now: now, report: report)
        if let counts = try? await store.allocationCountsByState() {
            metrics.allocations(byState: counts)
        }
        return report.withLock { $0 }
    }

    // MARK: - Deadlines

    private func enforceDeadlines(now: Date, report: PassTally) async {
        let limits: [(LaunchProofStatus, JournalEntry.Operation, Int)] = [
            (.provisioning, .allocate, configuration.provisioningDeadlineSeconds),
            (.releasing, .release, configuration.releasingDeadlineSeconds),
        ]
        for (state, operation, seconds) in limits {
            let records = (try? await allAllocations(in: state)) ?? []
            await forEach(records) { record in
                guard let started = try await self.transientSince(record, operation: operation),
                    now.timeIntervalSince(started) > TimeInterval(seconds)
                else { return }
                try await self.failPastDeadline(record, seconds: seconds, report: report)
            }
        }
        await quarantineStaleCleaning(now: now, report: report)
    }

    /// When the allocation entered its transient state: the first journal entry of the current
    /// attempt, or its last update.
    private func transientSince(_ record: AllocationRecord, operation: JournalEntry.Operation) async throws -> Date? {
        let entries = try await store.journalEntries(allocationID: record.id).filter { $0.operation == operation }
        if operation == .release {
            return entries.first?.startedAt ?? record.updatedAt
        }
        // Provisioning: the attempt that is still open (a retry starts a new clock).
        return entries.last(where: { $0.finishedAt == nil })?.startedAt ?? entries.last?.startedAt ?? record.updatedAt
    }

    private func failPastDeadline(_ record: AllocationRecord, seconds: Int, report: PassTally) async throws {
        var change = AllocationChange.state(.failed)
        change.failureCode = ProvisionerError.Code.deadlineExceeded.rawValue
        change.operatorMessage = "\(record.state.rawValue) exceeded its deadline of \(seconds) s"
        change.lease = .clear
        let event = LifecycleEvent(
            at: Date(), kind: "deadline_exceeded", allocationID: record.id, backend: backend.name,
            backendRef: record.vm?.backendRef, detail: "\(record.state.rawValue) for more than \(seconds) s")
        let audit = AuditEvent(
            at: Date(), kind: "deadline.exceeded", allocationID: record.id, userID: record.userID, actor: "reconcile",
            requestID: nil, detail: change.operatorMessage)
        guard
            case .applied(let failed) = try await store.transition(
                id: record.id, from: [record.state], change: change, journal: nil, audit: [audit], events: [event])
        else { return }
        note(event.kind, report)
        try await provisioning.closeUnfinishedJournalEntries(of: failed, outcome: "deadline_exceeded")
        let torndown = await provisioning.tearDown(allocationID: record.id, vm: record.vm, logger: logger)
        var outcome = AllocationChange()
        outcome.rollbackAvailable = torndown
        outcome.operatorMessage = (change.operatorMessage ?? "") + "; teardown \(torndown ? "succeeded" : "FAILED")"
        _ = try await store.transition(id: record.id, from: [.failed], change: outcome, journal: nil, audit: [])
        logger.warning(
            "allocation failed: deadline exceeded",
            metadata: ["allocation.id": "\(record.id)", "state": "\(record.state)", "teardown": "\(torndown)"])
    }

    private func quarantineStaleCleaning(now: Date, report: PassTally) async {
        let before = now.addingTimeInterval(-TimeInterval(configuration.cleaningDeadlineSeconds))
        guard
            let stale = try? await store.resourceClaims(
                namespace: backend.name, state: .cleaning, updatedBefore: before)
        else { return }
        for claim in stale {
            let detail = "cleaning for more than \(configuration.cleaningDeadlineSeconds) s; quarantined"
            let audit = AuditEvent(
                at: Date(), kind: "\(backend.name).vm_quarantined", allocationID: claim.allocationID, userID: nil,
                actor: "reconcile", requestID: nil, detail: detail)
            guard
                (try? await store.setClaimState(
                    namespace: backend.name, resource: claim.resource, allocationID: claim.allocationID,
                    state: .quarantined, note: "deadline_exceeded: \(detail)", now: Date(), audit: [audit])) == true
            else { continue }
            await emit(
                LifecycleEvent(
                    at: Date(), kind: "deadline_exceeded", allocationID: claim.allocationID, backend: backend.name,
                    backendRef: claim.resource, detail: detail), report)
        }
    }

    // MARK: - Drift

    private func checkDrift(report: PassTally) async {
        var records: [AllocationRecord] = []
        for state in [LaunchProofStatus.provisioned, .degraded] {
            records += (try? await allAllocations(in: state)) ?? []
        }
        await forEach(records) { record in
            report.withLock { $0.checked += 1 }
            let target = record.vm ?? VmAllocation(allocationID: record.id, backend: record.backend)
            let status: VmStatus
            do {
                status = try await self.backend.status(target, logger: self.logger)
            } catch {
                report.withLock { $0.failedCalls += 1 }
                throw error
            }
            try await self.record(status, of: record, report: report)
        }
    }

    private func record(_ status: VmStatus, of record: AllocationRecord, report: PassTally) async throws {
        let previous = observed.withLock { observed in
            defer { observed[record.id] = status.powerState }
            return observed[record.id] ?? .running
        }
        let event: (kind: String, detail: String)?
        switch (previous, status.powerState) {
        case (_, .gone): event = ("vm_gone", "the backend no longer has this VM")
        case (.running, .stopped): event = ("vm_stopped", "the VM was running and is stopped")
        case (.stopped, .running), (.unknown, .running): event = ("vm_recovered", "the VM runs again")
        default: event = nil
        }
        guard let event else { return }
        let lifecycle = LifecycleEvent(
            at: Date(), kind: event.kind, allocationID: record.id, backend: backend.name,
            backendRef: record.vm?.backendRef,
            detail: [event.detail, status.operatorDetail].compactMap { $0 }
                .joined(separator: "; "))
        if status.powerState == .gone {
            var change = AllocationChange.state(.failed)
            change.failureCode = "vm_gone"
            change.operatorMessage = lifecycle.detail
            let audit = AuditEvent(
                at: Date(), kind: "reconcile.vm_gone", allocationID: record.id, userID: record.userID,
                actor: "reconcile", requestID: nil, detail: lifecycle.detail)
            if case .applied = try await store.transition(
                id: record.id, from: [.provisioned, .degraded], change: change, journal: nil, audit: [audit],
                events: [lifecycle])
            {
                note(lifecycle.kind, report)
            }
            observed.withLock { _ = $0.removeValue(forKey: record.id) }
        } else {
            await emit(lifecycle, report)
        }
    }

    // MARK: - Orphans

    private func findOrphans(now: Date, report: PassTally) async {
        guard let listing = backend as? any InventoryListing else { return }
        do {
            let inventory = try await listing.listInventory(logger: logger)
            var owned: [InventoryItem] = []
            for item in inventory {
                guard let id = item.allocationID, let record = try await store.allocation(id: id),
                    [.paid, .provisioning, .provisioned, .degraded, .releasing].contains(record.state),
                    record.deletedAt == nil
                else {
                    owned.append(item)
                    continue
                }
            }
            // A resource created for an allocation whose row committed after our read is not an
            // orphan: re-read each candidate once more before reporting it.
            var confirmed: [InventoryItem] = []
            for item in owned {
                if let id = item.allocationID, let record = try await store.allocation(id: id),
                    [.paid, .provisioning].contains(record.state)
                {
                    continue
                }
                confirmed.append(item)
            }
            for item in orphans.update(confirmed, now: now) {
                await emit(
                    LifecycleEvent(
                        at: Date(), kind: "orphan_detected", allocationID: item.allocationID, backend: backend.name,
                        backendRef: item.backendRef,
                        detail: "tagged as ours with no active allocation; not deleted automatically"), report)
            }
        } catch {
            report.withLock { $0.failedCalls += 1 }
            logger.warning("reconcile could not list the backend inventory", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Helpers

    private func allAllocations(in state: LaunchProofStatus) async throws -> [AllocationRecord] {
        var all: [AllocationRecord] = []
        let page = 1000
        while true {
            let batch = try await store.allocations(matching: .init(state: state), limit: page, offset: all.count)
            all += batch
            if batch.count < page { return all }
        }
    }

    /// Runs `body` for each record, at most `concurrency` at once and one per allocation; a
    /// failure is logged and counted, never stops the pass.
    private func forEach(
        _ records: [AllocationRecord], _ body: @escaping @Sendable (AllocationRecord) async throws -> Void
    ) async {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for record in records {
                guard inFlight.withLock({ $0.insert(record.id).inserted }) else { continue }
                if running >= configuration.concurrency {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask {
                    defer { _ = self.inFlight.withLock { $0.remove(record.id) } }
                    do {
                        try await body(record)
                    } catch {
                        self.logger.warning(
                            "reconcile of an allocation failed; the pass goes on",
                            metadata: ["allocation.id": "\(record.id)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    private func emit(_ event: LifecycleEvent, _ report: PassTally) async {
        do {
            try await store.appendEvents([event])
            note(event.kind, report)
        } catch {
            logger.warning(
                "could not record a lifecycle event", metadata: ["event": "\(event.kind)", "error": "\(error)"])
        }
    }

    private func note(_ kind: String, _ report: PassTally) {
        metrics.lifecycleEvent(kind: kind)
        report.withLock { $0.events[kind, default: 0] += 1 }
    }
}
