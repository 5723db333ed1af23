public import Foundation
public import ProvisionerAPI

/// A set of column changes applied to one allocation in one transaction. `nil` leaves a field as it is.
public struct AllocationChange: Sendable, Equatable {
    /// How to change the worker lease.
    public enum Lease: Sendable, Equatable {
        /// Frees the lease (the epoch stays).
        case clear
        /// Sets the lease without a new epoch (a backoff: nobody works on it until it expires).
        case set(owner: String, expiresAt: Date)
        /// Claims the allocation: sets the lease and bumps ``AllocationRecord/leaseEpoch``, which
        /// fences out every earlier holder.
        case claim(owner: String, expiresAt: Date)
    }

    public var state: LaunchProofStatus?
    /// The state a commit passes through on its way to ``state`` when it makes two legal moves
    /// at once (a payment that also starts the first attempt: `payment_required` -> `paid` ->
    /// `provisioning`); `nil` for one move. Stores check each move against the legal-move table.
    public var via: LaunchProofStatus?
    public var paymentStatus: PaymentStatus?
    public var paymentReference: String?
    public var releaseRequested: Bool?
    public var vm: VmAllocation?
    public var customerMessage: String?
    public var operatorMessage: String?
    public var failureCode: String?
    public var rollbackAvailable: Bool?
    /// The count of failed rollback teardowns (0 clears `teardown_pending`).
    public var teardownFailures: Int?
    public var lease: Lease?
    public var incrementAttempts = false
    public var provisionedAt: Date?
    public var releasedAt: Date?
    public var deletedAt: Date?
    /// The launch check measurements to record.
    public var dnsCheck: CheckMeasurement?
    public var sshCheck: CheckMeasurement?
    /// Clears the last failure (code, operator message, rollback flag, soft delete) for a retry.
    public var clearFailure = false

    /// No change.
    public init() {}

    /// A move to `state` with its standard customer message.
    public static func state(_ state: LaunchProofStatus) -> AllocationChange {
        var change = AllocationChange()
        change.state = state
        change.customerMessage = CustomerMessages.text(for: state)
        return change
    }

    /// Whether the change touches nothing.
    public var isEmpty: Bool { self == AllocationChange() }

    /// Applies the change to a record in memory (stores use it to return the new row).
    public func applied(to record: AllocationRecord, now: Date) -> AllocationRecord {
        var r = record
        if let state { r.state = state }
        if let paymentStatus { r.paymentStatus = paymentStatus }
        if let paymentReference { r.paymentReference = paymentReference }
        if let releaseRequested { r.releaseRequested = releaseRequested }
        if let vm { r.vm = vm }
        if let customerMessage { r.customerMessage = customerMessage }
        if let operatorMessage { r.operatorMessage = operatorMessage }
        if let failureCode { r.failureCode = failureCode }
        if let rollbackAvailable { r.rollbackAvailable = rollbackAvailable }
        if let teardownFailures { r.teardownFailures = teardownFailures }
        switch lease {
        case .clear:
            r.leaseOwner = nil
            r.leaseExpiresAt = nil
        case .set(let owner, let expiresAt):
            r.leaseOwner = owner
            r.leaseExpiresAt = expiresAt
        case .claim(let owner, let expiresAt):
            r.leaseOwner = owner
            r.leaseExpiresAt = expiresAt
            r.leaseEpoch += 1
        case nil: break
        }
        if incrementAttempts { r.attempts += 1 }
        if let provisionedAt { r.provisionedAt = provisionedAt }
        if let releasedAt { r.releasedAt = releasedAt }
        if let deletedAt { r.deletedAt = deletedAt }
        if let dnsCheck {
            r.dnsAAAA = dnsCheck.status
            r.dnsCheckedAt = dnsCheck.measuredAt
            r.dnsDetail = dnsCheck.detail
        }
        if let sshCheck {
            r.sshSmoke = sshCheck.status
            r.sshCheckedAt = sshCheck.measuredAt
            r.sshDetail = sshCheck.detail
        }
        if clearFailure {
            r.failureCode = nil
            r.operatorMessage = nil
            r.rollbackAvailable = false
            r.deletedAt = nil
        }
        r.updatedAt = now
        return r
    }
}
