import Foundation
import GRDB

extension SQLiteStore {
    /// The hottest read (every status poll): one cached statement, only the columns the public
    /// view shows, read by position, outside a transaction, on the store's own status connections
    /// where one is free (``SQLiteStatusReaders``), else through GRDB.
    ///
    /// Never a synchronous read through GRDB on the caller's thread: a cooperative thread blocked
    /// waiting for one of GRDB's reader connections, while the readers are held by tasks that need
    /// that thread to resume, deadlocks the server (seen in `scripts/bench --quick` on 2 cores).
    /// The status connections are taken without waiting.
    public func publicStatus(id: String) async throws -> PublicStatusRecord? {
        if let read = statusReaders?.read(id: id, Self.publicStatus(row:)) { return read }
        return try await writer.readOneStatement { db in
            let statement = try db.cachedStatement(sql: Self.publicStatusSQL)
            guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
            return try Self.publicStatus(row: row)
        }
    }

    static let publicStatusSQL =
        "SELECT \(PublicStatusRecord.columns.joined(separator: ", ")) FROM allocations WHERE id = ?"

    /// A row of ``publicStatusSQL`` (columns in ``PublicStatusRecord/columns`` order).
    static func publicStatus(row: Row) throws -> PublicStatusRecord {
        try publicStatus(
            id: row[0], state: row[1], paymentStatus: row[2], dnsAAAA: row[3], sshSmoke: row[4],
            rollbackAvailable: row[5], customerMessage: row[6], isDemo: row[7], updatedAt: row[8], createdAt: row[9])
    }

    /// The same row read through SQLite's C API.
    static func publicStatus(row: SQLiteStatusReaders.StatusRow) throws -> PublicStatusRecord {
        try publicStatus(
            id: row.text(0) ?? "", state: row.text(1) ?? "", paymentStatus: row.text(2) ?? "",
            dnsAAAA: row.text(3) ?? "", sshSmoke: row.text(4) ?? "", rollbackAvailable: row.bool(5),
            customerMessage: row.text(6) ?? "", isDemo: row.bool(7), updatedAt: row.double(8), createdAt: row.double(9))
    }

    private static func publicStatus(
        id: String, state: String, paymentStatus: String, dnsAAAA: String, sshSmoke: String,
        rollbackAvailable: Bool, customerMessage: String, isDemo: Bool, updatedAt: Double?, createdAt: Double?
    ) throws -> PublicStatusRecord {
        PublicStatusRecord(
            id: id,
            state: try LaunchProofStatus(stored: state, column: "allocations.state"),
            paymentStatus: try PaymentStatus(stored: paymentStatus, column: "allocations.payment_status"),
            dnsAAAA: try CheckStatus(stored: dnsAAAA, column: "allocations.dns_aaaa"),
            sshSmoke: try CheckStatus(stored: sshSmoke, column: "allocations.ssh_smoke"),
            rollbackAvailable: rollbackAvailable, customerMessage: customerMessage, isDemo: isDemo,
            updatedAt: Date(timeIntervalSince1970: updatedAt ?? createdAt ?? 0))
    }
}
