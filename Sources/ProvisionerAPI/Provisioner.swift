public import Logging

/// A VM backend: something that can create (or hand out), release and inspect virtual machines.
///
/// The Host decides *when* a VM is created; a backend only decides *how*. The protocol is the
/// stable plugin contract and has exactly five requirements. New capabilities are separate,
/// optional protocols a backend may also adopt (for example ``CapacityReporting``), discovered
/// with `as?`. Backend-specific operations (a pool refresh, a release hook) stay on the concrete
/// type.
///
/// ## Implementation requirements
/// - Be `Sendable` and hold no global state; log only through the `Logger` passed to each call.
/// - Throw only ``ProvisionerError``, with a stable ``ProvisionerError/Code``.
/// - `allocate` is idempotent per ``AllocationRequest/allocationID``: a second call with the same
///   id returns the VM created by the first, never a second VM. Tag whatever you create with that
///   id so crash recovery and orphan detection can find it again.
/// - `release` is idempotent: releasing something already gone succeeds. It must work from the
///   allocation id alone (``VmAllocation/backendRef`` may be `nil` after a crash mid-allocate).
/// - `status` of a released or unknown VM reports ``VmStatus/PowerState/gone``.
/// - Pass ``ProvisionerConformance``.
///
/// ```swift
/// struct EchoProvisioner: Provisioner {
///     var name: String { "echo" }
///     var isDemo: Bool { true }
///     func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
///         VmAllocation(allocationID: request.allocationID, backend: name, backendRef: request.allocationID)
///     }
///     func release(_ allocation: VmAllocation, logger: Logger) async throws {}
///     func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus { .init(powerState: .running) }
/// }
/// ```
public protocol Provisioner: Sendable {
    /// The backend kind as named in config: `simulated`, `pool`, `xcpng`, ...
    var name: String { get }

    /// Whether nothing real is created. Demo backends are announced in every API response.
    var isDemo: Bool { get }

    /// Creates or assigns the VM for one allocation.
    ///
    /// - Parameters:
    ///   - request: What to create, carrying the allocation id the Host chose beforehand.
    ///   - logger: The logger for this call, carrying request metadata.
    /// - Returns: The allocated VM.
    /// - Throws: ``ProvisionerError`` with `pool_exhausted`, `capacity_unavailable`,
    ///   `backend_unavailable`, `backend_rejected`, `timeout` or `invalid_request`.
    func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation

    /// Releases (destroys or returns) the VM of an allocation. Succeeds when it is already gone.
    ///
    /// - Parameters:
    ///   - allocation: The allocation to release; only ``VmAllocation/allocationID`` is guaranteed.
    ///   - logger: The logger for this call.
    /// - Throws: ``ProvisionerError`` with `backend_unavailable`, `timeout` or `backend_rejected`.
    func release(_ allocation: VmAllocation, logger: Logger) async throws

    /// Reports what the backend currently knows about the VM of an allocation.
    ///
    /// - Parameters:
    ///   - allocation: The allocation to inspect.
    ///   - logger: The logger for this call.
    /// - Returns: The VM's status; ``VmStatus/PowerState/gone`` when it does not exist.
    /// - Throws: ``ProvisionerError`` with `backend_unavailable` or `timeout`.
    func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus
}
