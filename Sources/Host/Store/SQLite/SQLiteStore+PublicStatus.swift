import Foundation
import GRDB

extension SQLiteStore {
    /// The hottest read (every status poll): one cached statement, only the columns the public
    /// view shows, read by position, outside a transaction.
    ///
    /// Not a synchronous read on the caller's thread: a cooperative thread blocked waiting for a
    /// reader connection, while the readers are held by tasks that need that thread to resume,
    /// deadlocks the server (seen in `scripts/bench --quick` on 2 cores).
    public func publicStatus(id: String) async throws -> PublicStatusRecord? {
        try await writer.readOneStatement { db in
            let statement = try db.cachedStatement(sql: Self.publicStatusSQL)
            guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
            return try Self.publicStatus(row: row)
        }
    }

    static let publicStatusSQL =
        "SELECT \(PublicStatusRecord.columns.joined(separator: ", ")) FROM allocations WHERE id = ?"

    /// A row of ``publicStatusSQL`` (columns in ``PublicStatusRecord/columns`` order).
    static func publicStatus(row: Row) throws -> PublicStatusRecord {
        let updated: Double? = row[8]
        let created: Double? = row[9]
        return PublicStatusRecord(
            id: row[0],
            state: try LaunchProofStatus(stored: row[1], column: "allocations.state"),
            paymentStatus: try PaymentStatus(stored: row[2], column: "allocations.payment_status"),
            dnsAAAA: try CheckStatus(stored: row[3], column: "allocations.dns_aaaa"),
            sshSmoke: try CheckStatus(stored: row[4], column: "allocations.ssh_smoke"),
            rollbackAvailable: row[5], customerMessage: row[6], isDemo: row[7],
            updatedAt: Date(timeIntervalSince1970: updated ?? created ?? 0))
    }
}
