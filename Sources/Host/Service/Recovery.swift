import Foundation
public import Logging
public import ProvisionerAPI

/// Crash recovery, run once at start-up as the Host starts serving: every allocation with a journal
/// entry that was begun and never finished is taken over (a new lease epoch fences out whatever
/// ran before the crash) and handed to the lifecycle, which finishes or rolls back the work:
/// - `paid`/`provisioning`: the interrupted attempt's resources are torn down (journaled) and a
///   new attempt provisions the allocation;
/// - `releasing`: the release runs again (it is idempotent);
/// - `failed`, `rolled_back`, `released` with open work: a teardown removes what is left;
/// - anything else: the stale entries are closed.
/// Leases this node held before it restarted are taken back first. Work leased by another live
/// replica is left alone. Running it twice does nothing the second time.
public struct Recovery: Sendable {
    let store: any Store
    let backend: any Provisioner
    let provisioning: ProvisioningService
    let nodeID: String
    let metrics: ServiceMetrics
    /// How many allocations are recovered at once.
    let concurrency: Int

    /// What one recovery run did.
    public struct Report: Sendable, Equatable, CustomStringConvertible {
        public var leasesTakenBack = 0
        public var provisioningFinished = 0
        public var releasesFinished = 0
        public var rolledBack = 0
        public var staleEntriesClosed = 0
        public var leftToOtherReplicas = 0
        public var failed = 0

        public init() {}

        mutating func merge(_ other: Report) {
            provisioningFinished += other.provisioningFinished
            releasesFinished += other.releasesFinished
            rolledBack += other.rolledBack
            staleEntriesClosed += other.staleEntriesClosed
            leftToOtherReplicas += other.leftToOtherReplicas
            failed += other.failed
        }

        public var description: String {
            "leases_taken_back=\(leasesTakenBack) provisioning_finished=\(provisioningFinished) "
                + "releases_finished=\(releasesFinished) rolled_back=\(rolledBack) "
                + "stale_entries_closed=\(staleEntriesClosed) left_to_other_replicas=\(leftToOtherReplicas) "
                + "failed=\(failed)"
        }
    }

    public init(
        store: any Store, backend: any Provisioner, provisioning: ProvisioningService, nodeID: String,
        metrics: ServiceMetrics, concurrency: Int = 16
    ) {
        self.store = store
        self.backend = backend
        self.provisioning = provisioning
        self.nodeID = nodeID
        self.metrics = metrics
        self.concurrency = max(1, concurrency)
    }

    /// Recovers every unfinished journal entry.
    ///
    /// - Throws: A store error when the journal cannot be read (start-up should stop).
    public func recover(logger: Logger) async throws -> Report {
        var report = Report()
        report.leasesTakenBack = try await store.releaseLeases(ownerPrefix: nodeID + "/")
        let entries = try await store.unfinishedJournalEntries()
        let allocationIDs = Array(Set(entries.map(\.allocationID))).sorted()
        if !allocationIDs.isEmpty {
            logger.notice(
                "recovery started", metadata: ["recovery.allocations": "\(allocationIDs.count)"])
        }
        // Allocations are independent: recover up to `concurrency` at once (a real backend may
        // take a while per VM, and the worker starts only after all of them).
        await withTaskGroup(of: Report.self) { group in
            var running = 0
            for id in allocationIDs {
                if running >= concurrency, let done = await group.next() {
                    report.merge(done)
                    running -= 1
                }
                running += 1
                group.addTask {
                    var logger = logger
                    logger[metadataKey: "allocation.id"] = "\(id)"
                    var partial = Report()
                    do {
                        try await recover(allocationID: id, report: &partial, logger: logger)
                    } catch {
                        partial.failed += 1
                        logger.error(
                            "recovery of an allocation failed; the worker retries it", metadata: ["error": "\(error)"])
                    }
                    return partial
                }
            }
            for await done in group { report.merge(done) }
        }
        if allocationIDs.isEmpty && report.leasesTakenBack == 0 {
            logger.info("recovery: nothing to do")
        } else {
            logger.notice("recovery finished", metadata: ["recovery": "\(report)"])
        }
        return report
    }

    private func recover(allocationID id: String, report: inout Report, logger: Logger) async throws {
        guard let record = try await store.allocation(id: id) else { return }
        if let expiry = record.leaseExpiresAt, expiry > Date(), record.leaseOwner != nil {
            report.leftToOtherReplicas += 1
            return
        }
        let target = record.vm ?? VmAllocation(allocationID: id, backend: record.backend)
        let found = (try? await backend.status(target, logger: logger))?.powerState ?? .unknown
        let finished = try await provisioning.takeOver(
            record, actor: "recovery", leaseOwner: "\(nodeID)/recovery", logger: logger)
        let detail = "\(record.state.rawValue) -> \(finished.state.rawValue); backend had: \(found)"
        switch record.state {
        case .paid, .provisioning:
            report.provisioningFinished += 1
            try await note(id, "recovered", "interrupted provisioning finished: \(detail)")
        case .releasing:
            report.releasesFinished += 1
            try await note(id, "recovered", "interrupted release finished: \(detail)")
        case .failed, .rolledBack, .released:
            guard !finished.teardownPending else {
                report.failed += 1
                try await note(id, "recovery_failed", "rollback could not release the resource; \(detail)")
                return
            }
            report.rolledBack += 1
            try await note(id, "recovered", "rolled back what the backend still held; \(detail)")
        case .paymentRequired, .provisioned, .degraded:
            report.staleEntriesClosed += 1
        }
    }

    private func note(_ id: String, _ kind: String, _ detail: String) async throws {
        try await store.appendEvents([
            LifecycleEvent(at: Date(), kind: kind, allocationID: id, backend: backend.name, detail: detail)
        ])
        metrics.lifecycleEvent(kind: kind)
    }
}
