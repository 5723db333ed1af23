import Foundation
import ProvisionerAPI

extension AllocationLifecycle.Rules {
    /// A released allocation whose VM the backend kept (`on_release: halt_then_destroy`) and whose
    /// grace passed: claim it and begin a journaled teardown of that VM. The backend's release of a
    /// kept VM past its grace destroys it, so a crash only runs the same teardown again (recovery
    /// and reconcile find the open entry); nothing is lost and nothing destroyed twice.
    func graceExpired() -> AllocationLifecycle.Decision {
        var decision = decision(fenced: true)
        guard record.state == .released else { return decision }
        decision.change.lease = .claim(
            owner: context.leaseOwner, expiresAt: context.now.addingTimeInterval(context.leaseSeconds))
        decision.events.append(event("grace_expired", "the released VM's grace period passed; destroying it"))
        beginTeardown(&decision, attempt: nil, reason: .graceExpired)
        return decision
    }
}
