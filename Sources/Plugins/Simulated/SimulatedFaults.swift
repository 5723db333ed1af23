/// Failures the simulated backend injects, so the framework's handling of each can be tested.
/// Set from config (`provisioner.simulated.faults`) or at runtime with
/// ``SimulatedProvisioner/setFaults(_:)``.
///
/// Keys (all bool, optional, default false):
/// - `hang_allocate`: `allocate` never returns (until its task is cancelled).
/// - `leave_leftover`: `allocate` creates the VM, then throws `backend_unavailable` (a leftover
///   the framework must clean up).
/// - `fail_release`: `release` throws `backend_unavailable` and keeps the VM.
/// - `hang_release`: `release` never returns (until cancelled).
/// - `report_gone`: `status` says `gone` for every VM, as if it vanished behind our back.
/// - `report_stopped`: `status` says `stopped` for every VM that exists.
public struct SimulatedFaults: Sendable, Equatable {
    public var hangAllocate: Bool
    public var leaveLeftover: Bool
    public var failRelease: Bool
    public var hangRelease: Bool
    public var reportGone: Bool
    public var reportStopped: Bool

    /// No faults.
    public init(
        hangAllocate: Bool = false, leaveLeftover: Bool = false, failRelease: Bool = false, hangRelease: Bool = false,
        reportGone: Bool = false, reportStopped: Bool = false
    ) {
        self.hangAllocate = hangAllocate
        self.leaveLeftover = leaveLeftover
        self.failRelease = failRelease
        self.hangRelease = hangRelease
        self.reportGone = reportGone
        self.reportStopped = reportStopped
    }

    enum Keys: String, CaseIterable {
        case hangAllocate = "hang_allocate"
        case leaveLeftover = "leave_leftover"
        case failRelease = "fail_release"
        case hangRelease = "hang_release"
        case reportGone = "report_gone"
        case reportStopped = "report_stopped"
    }
}
