public import Foundation
public import ProvisionerAPI

/// Where an allocation is in its life (the API's `launch_proof_status`).
public enum LaunchProofStatus: String, Sendable, Codable, CaseIterable {
    case paymentRequired = "payment_required"
    case paid
    case provisioning
    case provisioned
    case degraded
    case failed
    case rolledBack = "rolled_back"
    case releasing
    case released

    /// States a worker must act on.
    public static let workable: [LaunchProofStatus] = [.paid, .provisioning, .releasing]
    /// States a worker must act on when a release was requested: a crash between two steps (the
    /// finalize and the move to `releasing`, say) must not lose an acknowledged release.
    public static let workableWhenReleaseRequested: [LaunchProofStatus] = [
        .provisioned, .degraded, .failed, .rolledBack,
    ]
    /// States that count against the paid-VM cap.
    public static let active: [LaunchProofStatus] = [.paymentRequired, .paid, .provisioning, .provisioned, .degraded]
}

/// The payment state of an order (the API's `payment_status`).
public enum PaymentStatus: String, Sendable, Codable, CaseIterable {
    case paymentRequired = "payment_required"
    case paid
    case notRequired = "not_required"
}

/// The state of one launch check (`not_run` until measured).
public enum CheckStatus: String, Sendable, Codable, CaseIterable {
    case notRun = "not_run"
    case passed
    case failed
}

/// One allocation (an order and, once provisioned, its VM) as stored.
public struct AllocationRecord: Sendable, Equatable {
    public var id: String
    public var userID: String
    public var plan: String
    public var priceCents: Int
    public var backend: String
    public var isDemo: Bool
    public var hostname: String?
    public var sshKeys: [String]
    public var openPorts: [Int]
    public var metadata: [String: String]
    public var state: LaunchProofStatus
    public var paymentStatus: PaymentStatus
    public var paymentReference: String?
    public var idempotencyKey: String?
    public var requestFingerprint: String?
    public var releaseRequested: Bool
    public var vm: VmAllocation?
    public var dnsAAAA: CheckStatus
    public var dnsCheckedAt: Date?
    /// What the DNS check saw (operator-only).
    public var dnsDetail: String?
    public var sshSmoke: CheckStatus
    public var sshCheckedAt: Date?
    /// What the SSH check saw (operator-only).
    public var sshDetail: String?
    public var customerMessage: String
    public var operatorMessage: String?
    public var failureCode: String?
    public var rollbackAvailable: Bool
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    /// The fencing token: grows by one at every claim of this allocation. A worker's writes are
    /// conditional on the epoch it claimed, so a holder that lost its lease can change nothing.
    public var leaseEpoch: Int
    /// How many rollback teardowns failed since the last one that succeeded; while above zero the
    /// allocation has a teardown pending that reconcile retries with backoff.
    public var teardownFailures: Int
    public var attempts: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var provisionedAt: Date?
    public var releasedAt: Date?
    public var deletedAt: Date?
    /// The released allocation whose kept VM this one adopted (`POST /admin/vm/{id}/restore`).
    public var restoredFrom: String?

    /// A new order, not yet stored.
    public init(
        id: String, userID: String, plan: PlanSpec, backend: String, isDemo: Bool,
        hostname: String?, sshKeys: [String], openPorts: [Int], metadata: [String: String],
        idempotencyKey: String?, requestFingerprint: String?, now: Date
    ) {
        self.id = id
        self.userID = userID
        self.plan = plan.name
        self.priceCents = plan.priceCents
        self.backend = backend
        self.isDemo = isDemo
        self.hostname = hostname
        self.sshKeys = sshKeys
        self.openPorts = openPorts
        self.metadata = metadata
        self.state = plan.requiresPayment ? .paymentRequired : .paid
        self.paymentStatus = plan.requiresPayment ? .paymentRequired : .notRequired
        self.paymentReference = nil
        self.idempotencyKey = idempotencyKey
        self.requestFingerprint = requestFingerprint
        self.releaseRequested = false
        self.vm = nil
        self.dnsAAAA = .notRun
        self.dnsCheckedAt = nil
        self.dnsDetail = nil
        self.sshSmoke = .notRun
        self.sshCheckedAt = nil
        self.sshDetail = nil
        self.customerMessage = CustomerMessages.text(for: self.state)
        self.operatorMessage = nil
        self.failureCode = nil
        self.rollbackAvailable = false
        self.leaseOwner = nil
        self.leaseExpiresAt = nil
        self.leaseEpoch = 0
        self.teardownFailures = 0
        self.attempts = 0
        self.createdAt = now
        self.updatedAt = now
        self.provisionedAt = nil
        self.releasedAt = nil
        self.deletedAt = nil
    }

    /// Whether a rollback teardown failed and waits to be retried (`teardown_pending`).
    public var teardownPending: Bool { teardownFailures > 0 }

    /// Whether the plan needed payment.
    public var isPaidPlan: Bool { priceCents > 0 }
}
