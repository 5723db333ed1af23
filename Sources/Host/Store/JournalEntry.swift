public import Foundation

/// A record that a backend mutation is about to happen, committed before the backend is called.
///
/// An entry without ``finishedAt`` after a crash names work whose outcome must be recovered.
public struct JournalEntry: Sendable, Equatable {
    /// The backend operation.
    public enum Operation: String, Sendable, Codable {
        /// `allocate` for one attempt.
        case allocate
        /// The customer's release of a delivered VM (everything the allocation holds).
        case release
        /// A rollback: removes what a failed or superseded attempt created.
        case teardown
    }

    /// Why a teardown runs (its ``step``).
    public enum TeardownReason: String, Sendable {
        /// The attempt failed (or its result could not be stored, or it passed its deadline).
        case rollback
        /// A later attempt took over from one that never finished; the new attempt starts once
        /// the old one's resources are gone.
        case supersede
        /// A released VM the backend kept for a grace period is destroyed now that it passed.
        case graceExpired = "grace_expired"
    }

    public var opID: String
    public var allocationID: String
    public var backend: String
    public var operation: Operation
    public var step: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var outcome: String?
    /// The attempt (lease epoch) the entry belongs to: for `allocate` the attempt making the call,
    /// for `teardown` the attempt whose resources it removes (`nil`: everything of the allocation).
    public var attempt: Int?

    public init(
        opID: String = UUID().uuidString.lowercased(), allocationID: String, backend: String, operation: Operation,
        step: String = "started", startedAt: Date, finishedAt: Date? = nil, outcome: String? = nil,
        attempt: Int? = nil
    ) {
        self.opID = opID
        self.allocationID = allocationID
        self.backend = backend
        self.operation = operation
        self.step = step
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.attempt = attempt
    }

    /// Whether the entry is still open (begun, never finished).
    public var isOpen: Bool { finishedAt == nil }
}

/// What a transition does to the journal in the same transaction.
public enum JournalMutation: Sendable, Equatable {
    case begin(JournalEntry)
    case finish(opID: String, outcome: String)
}
