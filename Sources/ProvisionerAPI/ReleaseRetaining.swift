public import Foundation
public import Logging

/// A VM a release kept instead of destroying (a grace period), until ``destroyAfter``.
public struct RetainedRelease: Sendable, Hashable {
    /// The released allocation the VM belonged to.
    public var allocationID: String
    /// The backend's identifier of the VM.
    public var backendRef: String
    /// When the release kept it.
    public var releasedAt: Date
    /// When the grace ends: reconcile destroys it, with its disks, after this.
    public var destroyAfter: Date

    /// Creates a description of a kept VM.
    public init(allocationID: String, backendRef: String, releasedAt: Date, destroyAfter: Date) {
        self.allocationID = allocationID
        self.backendRef = backendRef
        self.releasedAt = releasedAt
        self.destroyAfter = destroyAfter
    }
}

/// An optional capability: a backend whose release can keep the VM, halted, for a grace period
/// (XCP-ng `on_release: halt_then_destroy`).
///
/// Implementation requirements: ``Provisioner/release(_:logger:)`` of a delivered VM (one with a
/// ``VmAllocation/backendRef``) keeps it and records when; the same call for a VM whose grace has
/// passed destroys it with its disks (so the Host's journaled teardown is the delayed destroy, and a
/// crash only repeats an idempotent call); a teardown of a failed attempt (no `backendRef`) never
/// keeps anything. ``Provisioner/allocate(_:logger:)`` with ``AllocationRequest/restoredFrom`` adopts
/// the kept VM of that allocation, within its grace, and refuses otherwise.
public protocol ReleaseRetaining: Provisioner {
    /// Every VM kept by a release, with when its grace ends.
    ///
    /// - Throws: ``ProvisionerError`` `backend_unavailable` or `timeout`.
    func retainedReleases(logger: Logger) async throws -> [RetainedRelease]
}
