public import Foundation

/// The columns of one allocation that `GET /v1/vm/{id}/status` shows, and nothing else: what the
/// stores read for the public status route (DESIGN.md, the public status view).
public struct PublicStatusRecord: Sendable, Equatable {
    public var id: String
    public var state: LaunchProofStatus
    public var paymentStatus: PaymentStatus
    public var dnsAAAA: CheckStatus
    public var sshSmoke: CheckStatus
    public var rollbackAvailable: Bool
    public var customerMessage: String
    public var isDemo: Bool
    public var updatedAt: Date

    public init(
        id: String, state: LaunchProofStatus, paymentStatus: PaymentStatus, dnsAAAA: CheckStatus,
        sshSmoke: CheckStatus, rollbackAvailable: Bool, customerMessage: String, isDemo: Bool, updatedAt: Date
    ) {
        self.id = id
        self.state = state
        self.paymentStatus = paymentStatus
        self.dnsAAAA = dnsAAAA
        self.sshSmoke = sshSmoke
        self.rollbackAvailable = rollbackAvailable
        self.customerMessage = customerMessage
        self.isDemo = isDemo
        self.updatedAt = updatedAt
    }

    /// The public facts of a whole record.
    public init(_ record: AllocationRecord) {
        self.init(
            id: record.id, state: record.state, paymentStatus: record.paymentStatus, dnsAAAA: record.dnsAAAA,
            sshSmoke: record.sshSmoke, rollbackAvailable: record.rollbackAvailable,
            customerMessage: record.customerMessage, isDemo: record.isDemo, updatedAt: record.updatedAt)
    }

    /// The columns the stores read, in this order.
    static let columns = [
        "id", "state", "payment_status", "dns_aaaa", "ssh_smoke", "rollback_available", "customer_message", "is_demo",
        "updated_at", "created_at",
    ]
}

extension Store {
    /// The public status facts of one allocation (soft-deleted ones included, as
    /// ``allocation(id:)``), read through the whole record; the SQL stores read only these columns.
    public func publicStatus(id: String) async throws -> PublicStatusRecord? {
        try await allocation(id: id).map(PublicStatusRecord.init)
    }
}
