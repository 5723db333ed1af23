import Foundation
import Logging
import ProvisionerAPI
import Synchronization

/// Drift and orphans: what the backend reports against what the store believes.
extension ReconcileService {
    /// Asks the backend's `status` of every delivered VM; the lifecycle decides what a change
    /// means (events, and `failed` with `vm_gone` when the backend lost the VM).
    func checkDrift(report: PassTally) async {
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
            let previous = self.observed.withLock { observed in
                defer { observed[record.id] = status.powerState }
                return observed[record.id] ?? .running
            }
            let decision = try AllocationLifecycle.decide(
                record, .statusObserved(previous: previous, current: status),
                context: AllocationLifecycle.Context(actor: "reconcile"))
            if !decision.isNoOp {
                do {
                    _ = try await LifecycleCommitter(store: self.store, metrics: self.metrics).commit(
                        decision, on: record, logger: self.logger)
                } catch let error as ProvisionerError where error.code == .stateConflict {
                    return  // the allocation moved on (a release, say): nothing to record
                }
                for event in decision.events { report.withLock { $0.events[event.kind, default: 0] += 1 } }
            }
            if status.powerState == .stopped { await self.restartStopped(record, report: report) }
            if status.powerState == .gone { self.observed.withLock { _ = $0.removeValue(forKey: record.id) } }
        }
    }

    /// Reports resources the backend tags as ours that no active allocation owns
    /// (`orphan_detected`); they are never deleted automatically. Returns the orphans found now.
    @discardableResult
    func findOrphans(now: Date, report: PassTally) async -> [InventoryItem] {
        guard let listing = backend as? any InventoryListing else { return [] }
        do {
            let inventory = try await listing.listInventory(logger: logger)
            var owned: [InventoryItem] = []
            for item in inventory {
                guard let id = item.allocationID, let record = try await store.allocation(id: id),
                    [.paid, .provisioning, .provisioned, .degraded, .releasing].contains(record.state)
                        || record.teardownPending,
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
            return confirmed
        } catch {
            report.withLock { $0.failedCalls += 1 }
            logger.warning("reconcile could not list the backend inventory", metadata: ["error": "\(error)"])
            return []
        }
    }
}
