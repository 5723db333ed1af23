import Foundation
import Logging
import ProvisionerAPI
import Synchronization

/// Converging (`reconcile.converge: true`, DESIGN.md section 9): reconcile asks the gate, like
/// an operator does, for what it would do; the gate runs the benign (a stopped VM started again,
/// a failed attempt's leftover torn down) and keeps anything destructive `pending_signature`.
extension ReconcileService {
    /// Asks the gate to start a delivered VM found stopped (`restart_vm`, benign).
    func restartStopped(_ record: AllocationRecord, report: PassTally) async {
        guard let gate else { return }
        do {
            let op = try await gate.request(
                op: "restart_vm", target: record.id, params: [:],
                caller: Gate.Caller(credential: "reconcile", requestID: nil), logger: logger)
            if op.state == .done {
                tally("vm_restarted", report)
                observed.withLock { $0[record.id] = .running }
            }
        } catch {
            logger.warning(
                "reconcile could not restart a stopped VM",
                metadata: ["allocation.id": "\(record.id)", "error": "\(error)"])
        }
    }

    /// Asks the gate to purge each orphan: a failed attempt's leftover is benign and goes, anything
    /// that may hold customer data waits for an operator's signature.
    func converge(orphans: [InventoryItem], report: PassTally) async {
        guard let gate else { return }
        for item in orphans {
            do {
                let op = try await gate.request(
                    op: "purge_orphan", target: item.backendRef, params: [:],
                    caller: Gate.Caller(credential: "reconcile", requestID: nil), logger: logger)
                tally("gate.\(op.state.rawValue)", report)
            } catch {
                logger.warning(
                    "reconcile could not ask the gate about an orphan",
                    metadata: ["vm.ref": "\(item.backendRef)", "error": "\(error)"])
            }
        }
    }
}
