public import Foundation

/// What the Host keeps about a user beyond their allocations.
public struct UserRecord: Sendable, Equatable {
    public var userID: String
    /// The user's id in the code forge (reserved; stored and returned, not yet used).
    public var forgeID: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(userID: String, forgeID: String?, createdAt: Date, updatedAt: Date) {
        self.userID = userID
        self.forgeID = forgeID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Which allocations to list on admin pages; `nil` fields match everything.
public struct AllocationFilter: Sendable, Equatable {
    public var userID: String?
    public var state: LaunchProofStatus?
    public var backend: String?
    /// Whether soft-deleted allocations are listed too.
    public var includeDeleted: Bool

    public init(
        userID: String? = nil, state: LaunchProofStatus? = nil, backend: String? = nil, includeDeleted: Bool = false
    ) {
        self.userID = userID
        self.state = state
        self.backend = backend
        self.includeDeleted = includeDeleted
    }
}
