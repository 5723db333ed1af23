public import Foundation

/// One operator op asked through the gate (DESIGN.md section 11), as stored.
///
/// It is its own journal entry: `running` is committed (with the nonce consumed) before the op
/// touches anything, and `done` or `failed` after; an op left `running` by a crash is resumed at
/// start-up.
public struct OperatorOp: Sendable, Equatable {
    /// Where an op is.
    public enum State: String, Sendable, CaseIterable {
        /// Waits for an operator's signature; nothing has run.
        case pendingSignature = "pending_signature"
        /// Authorized and journaled; the op is running (or a crash interrupted it).
        case running
        /// Ran to its end.
        case done
        /// Ran and failed; the detail says why.
        case failed
    }

    public var opID: String
    public var op: String
    public var target: String
    public var params: [String: String]
    public var opClass: OpClass
    public var state: State
    /// The exact bytes to sign (canonical JSON).
    public var payload: String
    public var nonce: String
    public var expiresAt: Date
    /// Who asked: `admin_secret` (an operator) or `reconcile`.
    public var requestedBy: String
    public var requestID: String?
    /// The principal whose signature authorized it, with the key fingerprint.
    public var signer: String?
    public var outcome: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        opID: String, op: String, target: String, params: [String: String], opClass: OpClass, state: State,
        payload: String, nonce: String, expiresAt: Date, requestedBy: String, requestID: String?,
        signer: String? = nil, outcome: String? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.opID = opID
        self.op = op
        self.target = target
        self.params = params
        self.opClass = opClass
        self.state = state
        self.payload = payload
        self.nonce = nonce
        self.expiresAt = expiresAt
        self.requestedBy = requestedBy
        self.requestID = requestID
        self.signer = signer
        self.outcome = outcome
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// How much an op can lose (DESIGN.md section 11).
public enum OpClass: String, Sendable, CaseIterable, Comparable {
    /// Loses no customer data: runs at once.
    case benign
    /// Replaces a credential: needs an `operational` or `recovery` signature.
    case rotation
    /// May lose customer data: needs an `operational` signature.
    case destructive

    private var rank: Int {
        switch self {
        case .benign: 0
        case .rotation: 1
        case .destructive: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}
