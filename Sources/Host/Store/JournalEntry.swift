public import Foundation

/// A record that a backend mutation is about to happen, committed before the backend is called.
///
/// An entry without ``finishedAt`` after a crash names work whose outcome must be recovered.
public struct JournalEntry: Sendable, Equatable {
    /// The backend operation.
    public enum Operation: String, Sendable, Codable {
        case allocate
        case release
        case teardown
    }

    public var opID: String
    public var allocationID: String
    public var backend: String
    public var operation: Operation
    public var step: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var outcome: String?

    public init(
        opID: String = UUID().uuidString.lowercased(), allocationID: String, backend: String, operation: Operation,
        step: String = "started", startedAt: Date, finishedAt: Date? = nil, outcome: String? = nil
    ) {
        self.opID = opID
        self.allocationID = allocationID
        self.backend = backend
        self.operation = operation
        self.step = step
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
    }
}

/// What a transition does to the journal in the same transaction.
public enum JournalMutation: Sendable {
    case begin(JournalEntry)
    case finish(opID: String, outcome: String)
}
