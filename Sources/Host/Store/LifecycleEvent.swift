public import Foundation

/// Something observed about a VM's life, as opposed to an action someone took (an
/// ``AuditEvent``): drift found by reconcile (`vm_stopped`, `vm_gone`, `vm_recovered`), an orphan
/// (`orphan_detected`), a deadline passed (`deadline_exceeded`), a recovery outcome.
///
/// Its `kind` is one of the lifecycle kinds in ``EventRegistry``; a debug build stops when a new
/// event has a kind the registry lacks.
public struct LifecycleEvent: Sendable, Equatable {
    public var id: Int64?
    public var at: Date
    public var kind: String
    public var allocationID: String?
    public var backend: String
    /// The backend's identifier of the resource (operator-only).
    public var backendRef: String?
    /// Operator-facing detail; never served on a public route.
    public var detail: String?
    /// The host the event is about (`host_stale`, `host_down`, `host_recovered`), if any.
    public var hostID: String?

    public init(
        id: Int64? = nil, at: Date, kind: String, allocationID: String?, backend: String, backendRef: String? = nil,
        detail: String? = nil, hostID: String? = nil
    ) {
        self.id = id
        self.at = at
        self.kind = kind
        self.allocationID = allocationID
        self.backend = backend
        self.backendRef = backendRef
        self.detail = detail
        self.hostID = hostID
        // A new event (no id yet) must have a registered kind; one read back from the store may
        // carry a kind an older release wrote.
        if id == nil { EventRegistry.assertRegistered(kind, as: .lifecycle) }
    }
}

/// Which lifecycle events to list; `nil` fields match everything.
public struct LifecycleEventFilter: Sendable, Equatable {
    public var allocationID: String?
    public var kind: String?
    public var hostID: String?

    public init(allocationID: String? = nil, kind: String? = nil, hostID: String? = nil) {
        self.allocationID = allocationID
        self.kind = kind
        self.hostID = hostID
    }
}
