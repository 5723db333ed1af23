public import Foundation
public import ProvisionerAPI

extension ClaimWrite {
    /// The audit event a store writes with this claim write when it applies: the same event the
    /// ledger writes for the same change committed on its own (`<namespace>.vm_freed`,
    /// `<namespace>.vm_<state>`, ``EventRegistry``).
    public func auditEvent(at: Date) -> AuditEvent {
        switch change {
        case .free:
            StoreClaimLedger.audit(
                EventKind.claimFreedName(namespace: scope), namespace: scope, resource: resource,
                allocationID: allocationID, note: nil, at: at)
        case .state(let state, let note):
            StoreClaimLedger.audit(
                EventKind.claimStateName(namespace: scope, state: state), namespace: scope, resource: resource,
                allocationID: allocationID, note: note, at: at)
        }
    }
}
