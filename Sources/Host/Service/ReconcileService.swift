public import Foundation
public import Logging
public import ProvisionerAPI
public import ServiceLifecycle
import Synchronization

/// The reconcile loop (DESIGN.md section 8), a service beside the HTTP server: every
/// `reconcile.interval_s` it compares what the store believes with what the backend reports.
///
/// A pass enforces the deadlines of the transient states, retries pending rollback teardowns
/// whose backoff ran out, asks the backend's `status` for every
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
    /// The gate every converging action goes through (`reconcile.converge: true`); `nil`: no converging.
    let gate: Gate?
    /// The last power state seen per allocation, to report changes once.
    let observed = Mutex<[String: VmStatus.PowerState]>([:])
    /// Allocations with a reconcile call in flight: one call per allocation at a time.
    private let inFlight = Mutex<Set<String>>([])

    public init(
        store: any Store, provisioning: ProvisioningService, backend: any Provisioner,
        configuration: ReconcileConfiguration, metrics: ServiceMetrics, orphans: OrphanRegistry, logger: Logger,
        gate: Gate? = nil
    ) {
        self.gate = gate
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
        // The first pass waits one interval: start-up recovery has just settled what a crash left.
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let interval = configuration.intervalSeconds
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            } catch {
                break
            }
            _ = await runPass()
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
        await retryPendingTeardowns(now: now, report: report)
        await destroyExpiredRetentions(now: now, report: report)
        await checkDrift(report: report)
        let orphaned = await findOrphans(now: now, report: report)
        await converge(orphans: orphaned, report: report)
        if let counts = try? await store.allocationCountsByState() {
            metrics.allocations(byState: counts)
        }
        return report.withLock { $0 }
    }

    // MARK: - Helpers

    func allAllocations(in state: LaunchProofStatus) async throws -> [AllocationRecord] {
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
    func forEach(
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

    func emit(_ event: LifecycleEvent, _ report: PassTally) async {
        do {
            try await store.appendEvents([event])
            note(event.kind, report)
        } catch {
            logger.warning(
                "could not record a lifecycle event", metadata: ["event": "\(event.kind)", "error": "\(error)"])
        }
    }

    func note(_ kind: String, _ report: PassTally) {
        metrics.lifecycleEvent(kind: kind)
        tally(kind, report)
    }

    /// Counts an event in the pass's report only: for events a committed lifecycle decision wrote,
    /// whose metric the committer already counted.
    func tally(_ kind: String, _ report: PassTally) {
        report.withLock { $0.events[kind, default: 0] += 1 }
    }
}
