import Foundation
import PostgresNIO

extension PostgresStore {
    /// The hottest read (every status poll): only the columns the public view shows.
    public func publicStatus(id: String) async throws -> PublicStatusRecord? {
        let query: PostgresQuery = """
            SELECT id, state, payment_status, dns_aaaa, ssh_smoke, rollback_available, customer_message, is_demo,
            updated_at, created_at FROM allocations WHERE id = \(id)
            """
        guard let row = try await rows(query).first else { return nil }
        let (id, state, payment, dns, ssh, rollback, message, demo, updated, created) = try row.decode(
            (String, String, String, String, String, Bool, String, Bool, Double?, Double?).self)
        return PublicStatusRecord(
            id: id, state: try PublicStatusRecord.decode(state, column: "state", as: LaunchProofStatus.self),
            paymentStatus: try PublicStatusRecord.decode(payment, column: "payment_status", as: PaymentStatus.self),
            dnsAAAA: try PublicStatusRecord.decode(dns, column: "dns_aaaa", as: CheckStatus.self),
            sshSmoke: try PublicStatusRecord.decode(ssh, column: "ssh_smoke", as: CheckStatus.self),
            rollbackAvailable: rollback, customerMessage: message, isDemo: demo,
            updatedAt: Date(timeIntervalSince1970: updated ?? created ?? 0))
    }
}
