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
            id: id, state: try LaunchProofStatus(stored: state, column: "allocations.state"),
            paymentStatus: try PaymentStatus(stored: payment, column: "allocations.payment_status"),
            dnsAAAA: try CheckStatus(stored: dns, column: "allocations.dns_aaaa"),
            sshSmoke: try CheckStatus(stored: ssh, column: "allocations.ssh_smoke"),
            rollbackAvailable: rollback, customerMessage: message, isDemo: demo,
            updatedAt: Date(timeIntervalSince1970: updated ?? created ?? 0))
    }
}
