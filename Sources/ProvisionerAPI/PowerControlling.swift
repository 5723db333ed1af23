public import Logging

/// An optional capability: a backend that can start a delivered VM that stopped.
///
/// Reconcile uses it to converge (`reconcile.converge: true`): starting a stopped VM is benign,
/// nothing a customer wrote is lost.
public protocol PowerControlling: Provisioner {
    /// Starts `allocation`'s VM; starting a running VM succeeds.
    ///
    /// - Throws: ``ProvisionerError`` `not_found` when the VM is gone, `backend_unavailable`.
    func start(_ allocation: VmAllocation, logger: Logger) async throws
}
