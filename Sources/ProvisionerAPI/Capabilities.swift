public import Logging

/// An optional capability: a backend that can say whether it has room for another VM.
///
/// The Host asks before accepting an order for payment and refuses the order when capacity cannot
/// be proven (fail closed).
public protocol CapacityReporting: Provisioner {
    /// Whether one more VM of `plan` can be created now.
    ///
    /// - Throws: ``ProvisionerError`` when capacity cannot be determined.
    func hasCapacity(for plan: PlanSpec, logger: Logger) async throws -> Bool
}

/// An optional capability: a backend that can say whether it is ready to serve (for `/readyz`).
public protocol ReadinessChecking: Provisioner {
    /// Throws a ``ProvisionerError`` when the backend cannot serve requests now.
    func checkReadiness(logger: Logger) async throws
}

/// An optional capability: a backend that holds resources (sessions, listeners) to give back when
/// the service stops. The Host calls ``shutdown()`` once, after the last request has finished.
public protocol ShutdownHandling: Provisioner {
    /// Releases what the backend holds; calls after this may fail with `backend_unavailable`.
    func shutdown() async
}
