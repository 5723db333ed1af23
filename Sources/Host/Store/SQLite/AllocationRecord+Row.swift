import Foundation
import GRDB
import ProvisionerAPI

/// Maps ``AllocationRecord`` to and from its `allocations` row.
extension AllocationRecord {
    enum Columns {
        static let all = [
            "id", "user_id", "plan", "price_cents", "backend", "is_demo", "hostname", "ssh_keys", "open_ports",
            "metadata", "state", "payment_status", "payment_reference", "idempotency_key", "request_fingerprint",
            "release_requested", "vm", "dns_aaaa", "dns_checked_at", "ssh_smoke", "ssh_checked_at",
            "customer_message", "operator_message", "failure_code", "rollback_available", "lease_owner",
            "lease_expires_at", "attempts", "created_at", "updated_at", "provisioned_at", "released_at", "deleted_at",
            "dns_detail", "ssh_detail", "lease_epoch", "teardown_failures",
            "restored_from",
        ]
    }

    init(row: Row) throws {
        func date(_ column: String) -> Date? {
            (row[column] as Double?).map { Date(timeIntervalSince1970: $0) }
        }
        func decodeEnum<E: RawRepresentable>(_ column: String, as type: E.Type) throws -> E where E.RawValue == String {
            let raw: String = row[column]
            guard let value = E(rawValue: raw) else {
                throw StoreError.corruptRow("allocations.\(column) has unknown value '\(raw)'")
            }
            return value
        }
        self.init(
            id: row["id"], userID: row["user_id"],
            plan: PlanSpec(name: row["plan"], priceCents: row["price_cents"]),
            backend: row["backend"], isDemo: row["is_demo"], hostname: row["hostname"],
            sshKeys: try JSONColumn.decode(row["ssh_keys"]), openPorts: try JSONColumn.decode(row["open_ports"]),
            metadata: try JSONColumn.decode(row["metadata"]),
            idempotencyKey: row["idempotency_key"], requestFingerprint: row["request_fingerprint"],
            now: date("created_at") ?? Date(timeIntervalSince1970: 0))
        state = try decodeEnum("state", as: LaunchProofStatus.self)
        paymentStatus = try decodeEnum("payment_status", as: PaymentStatus.self)
        paymentReference = row["payment_reference"]
        releaseRequested = row["release_requested"]
        vm = try (row["vm"] as String?).map { try JSONColumn.decode($0) }
        dnsAAAA = try decodeEnum("dns_aaaa", as: CheckStatus.self)
        dnsCheckedAt = date("dns_checked_at")
        sshSmoke = try decodeEnum("ssh_smoke", as: CheckStatus.self)
        sshCheckedAt = date("ssh_checked_at")
        customerMessage = row["customer_message"]
        operatorMessage = row["operator_message"]
        failureCode = row["failure_code"]
        rollbackAvailable = row["rollback_available"]
        leaseOwner = row["lease_owner"]
        leaseExpiresAt = date("lease_expires_at")
        attempts = row["attempts"]
        updatedAt = date("updated_at") ?? createdAt
        provisionedAt = date("provisioned_at")
        releasedAt = date("released_at")
        deletedAt = date("deleted_at")
        dnsDetail = row["dns_detail"]
        sshDetail = row["ssh_detail"]
        leaseEpoch = row["lease_epoch"]
        teardownFailures = row["teardown_failures"]
        restoredFrom = row["restored_from"]
    }

    /// The column values, in ``Columns/all`` order.
    func databaseValues() throws -> [(any DatabaseValueConvertible)?] {
        [
            id, userID, plan, priceCents, backend, isDemo, hostname, try JSONColumn.encode(sshKeys),
            try JSONColumn.encode(openPorts), try JSONColumn.encode(metadata), state.rawValue,
            paymentStatus.rawValue, paymentReference, idempotencyKey, requestFingerprint, releaseRequested,
            try vm.map { try JSONColumn.encode($0) }, dnsAAAA.rawValue, dnsCheckedAt?.timeIntervalSince1970,
            sshSmoke.rawValue, sshCheckedAt?.timeIntervalSince1970, customerMessage, operatorMessage, failureCode,
            rollbackAvailable, leaseOwner, leaseExpiresAt?.timeIntervalSince1970, attempts,
            createdAt.timeIntervalSince1970, updatedAt.timeIntervalSince1970, provisionedAt?.timeIntervalSince1970,
            releasedAt?.timeIntervalSince1970, deletedAt?.timeIntervalSince1970, dnsDetail, sshDetail,
            leaseEpoch, teardownFailures,
            restoredFrom,
        ]
    }
}

/// JSON-encoded columns (lists and maps).
enum JSONColumn {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ text: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw StoreError.corruptRow("a JSON column does not decode as \(T.self): \(error)")
        }
    }
}
