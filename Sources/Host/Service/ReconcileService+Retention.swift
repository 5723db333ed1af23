import Foundation
import Logging
import ProvisionerAPI

extension ReconcileService {
    /// Destroys the VMs a release kept (``ReleaseRetaining``) whose grace passed: each goes through
    /// the lifecycle's journaled teardown (``AllocationLifecycle/Input/graceExpired``), so a crash
    /// mid-destroy leaves an open entry that recovery or the next pass finishes, and a finished one
    /// is never started again. A kept VM whose teardown is already open is left to
    /// ``retryPendingTeardowns(now:report:)``.
    func destroyExpiredRetentions(now: Date, report: PassTally) async {
        guard let retaining = backend as? any ReleaseRetaining else { return }
        let kept: [RetainedRelease]
        do {
            kept = try await retaining.retainedReleases(logger: logger)
        } catch {
            logger.warning("could not list the VMs kept after release", metadata: ["error": "\(error)"])
            return
        }
        var due: [AllocationRecord] = []
        for release in kept where release.destroyAfter <= now {
            guard let record = try? await store.allocation(id: release.allocationID), record.state == .released else {
                logger.warning(
                    "a kept VM's allocation is not released; it is left alone",
                    metadata: ["allocation.id": "\(release.allocationID)", "vm.ref": "\(release.backendRef)"])
                continue
            }
            due.append(record)
        }
        await forEach(due) { record in
            let open = try await self.store.journalEntries(allocationID: record.id).filter(\.isOpen)
            if open.contains(where: { $0.operation == .teardown }) {
                guard record.leaseExpiresAt.map({ $0 <= now }) ?? true else { return }
                _ = try await self.provisioning.takeOver(
                    record, actor: "reconcile", leaseOwner: "reconcile", logger: self.logger)
            } else {
                _ = try await self.provisioning.drive(
                    record, .graceExpired, actor: "reconcile", leaseOwner: "reconcile", logger: self.logger)
            }
            self.tally("grace_expired", report)
        }
    }
}
