public import Foundation

/// One append-only audit record: a state change, payment, release, admin action or failure.
///
/// Its `kind` is one of the audit kinds in ``EventRegistry``; a debug build stops when a new event
/// has a kind the registry lacks.
public struct AuditEvent: Sendable, Equatable {
    public var id: Int64?
    public var at: Date
    public var kind: String
    public var allocationID: String?
    public var userID: String?
    public var actor: String
    public var requestID: String?
    /// Operator-facing detail; never served on a public route.
    public var detail: String?

    public init(
        id: Int64? = nil, at: Date, kind: String, allocationID: String?, userID: String?, actor: String,
        requestID: String?, detail: String? = nil
    ) {
        self.id = id
        self.at = at
        self.kind = kind
        self.allocationID = allocationID
        self.userID = userID
        self.actor = actor
        self.requestID = requestID
        self.detail = detail
        // A new event (no id yet) must have a registered kind; one read back from the store may
        // carry a kind an older release wrote.
        if id == nil { EventRegistry.assertRegistered(kind, as: .audit) }
    }
}

/// Which audit events to list; `nil` fields match everything.
public struct AuditFilter: Sendable, Equatable {
    public var allocationID: String?
    public var userID: String?
    public var kind: String?

    public init(allocationID: String? = nil, userID: String? = nil, kind: String? = nil) {
        self.allocationID = allocationID
        self.userID = userID
        self.kind = kind
    }
}
