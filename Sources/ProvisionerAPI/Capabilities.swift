public import Logging

/// An optional capability: a backend that can say whether it has room for another VM.
///
/// The Host asks before accepting an order for payment and refuses the order when capacity cannot
/// be proven (fail closed).
public protocol CapacityReporting: Provisioner {
    /// Whether one more VM of `plan` can be created now.
    ///
    /// - Throws: ``ProvisionerError`` when capacity cannot be determined. A backend may also throw
    ///   `pool_exhausted` or `capacity_unavailable` instead of returning `false`, to refuse the
    ///   order with that code.
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

/// One resource a backend created and tagged as the Host's.
public struct InventoryItem: Sendable, Hashable {
    /// The backend's identifier (a XAPI VM UUID, a simulated VM id).
    public var backendRef: String
    /// The allocation id the resource is tagged with; `nil` when it carries our owner tag but no
    /// allocation id.
    public var allocationID: String?
    /// A human-readable name, if the backend has one.
    public var name: String?

    /// Creates an inventory item.
    public init(backendRef: String, allocationID: String?, name: String? = nil) {
        self.backendRef = backendRef
        self.allocationID = allocationID
        self.name = name
    }
}

/// An optional capability: a backend that can list every resource it created, with the
/// allocation tag, so the Host can find resources that no active allocation owns (orphans) and
/// find a resource by allocation id during crash recovery.
public protocol InventoryListing: Provisioner {
    /// Every resource carrying this Host's owner tag.
    ///
    /// - Throws: ``ProvisionerError`` with `backend_unavailable` or `timeout`.
    func listInventory(logger: Logger) async throws -> [InventoryItem]
}

/// An optional capability: a backend with work of its own to run while the service runs (release
/// hooks, catalog refreshes). The Host runs ``runBackgroundWork(logger:)`` as a service beside the
/// HTTP server and cancels it on graceful shutdown.
public protocol BackgroundWorking: Provisioner {
    /// Runs until cancelled; returns (or throws `CancellationError`) when the task is cancelled.
    func runBackgroundWork(logger: Logger) async throws
}

/// An optional capability: a backend that says how many allocations it can run at once. The
/// Host's worker runs that many (at most 1024) unless `worker.concurrency` is set in config.
public protocol ConcurrencyAdvising: Provisioner {
    /// How many `allocate` or `release` calls this backend serves well at once (1 or more).
    var concurrentAllocations: Int { get }
}
