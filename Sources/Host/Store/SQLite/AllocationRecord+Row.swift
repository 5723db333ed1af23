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

        /// ``all`` as a select list: a row selected with it is read by position, not by name
        /// (GRDB looks a name up case-insensitively, lowercasing it on every read).
        static let selected = all.joined(separator: ", ")

        /// Where each column sits in a row selected with ``selected``.
        static let position = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1, $0) })
    }

    /// Reads a row selected with ``Columns/selected``.
    init(row: Row) throws {
        guard row.count == Columns.all.count else {
            throw StoreError.corruptRow(
                "an allocations row has \(row.count) columns, not the \(Columns.all.count) of Columns.selected")
        }
        func at(_ column: String) -> Int { Columns.position[column]! }
        func date(_ column: String) -> Date? {
            (row[at(column)] as Double?).map { Date(timeIntervalSince1970: $0) }
        }
        func decodeEnum<E: RawRepresentable>(_ column: String, as type: E.Type) throws -> E where E.RawValue == String {
            try E(stored: row[at(column)], column: "allocations.\(column)")
        }
        self.init(
            id: row[at("id")], userID: row[at("user_id")],
            plan: PlanSpec(name: row[at("plan")], priceCents: row[at("price_cents")]),
            backend: row[at("backend")], isDemo: row[at("is_demo")], hostname: row[at("hostname")],
            sshKeys: try JSONColumn.decode(row[at("ssh_keys")]),
            openPorts: try JSONColumn.decode(row[at("open_ports")]),
            metadata: try JSONColumn.decode(row[at("metadata")]),
            idempotencyKey: row[at("idempotency_key")], requestFingerprint: row[at("request_fingerprint")],
            now: date("created_at") ?? Date(timeIntervalSince1970: 0))
        state = try decodeEnum("state", as: LaunchProofStatus.self)
        paymentStatus = try decodeEnum("payment_status", as: PaymentStatus.self)
        paymentReference = row[at("payment_reference")]
        releaseRequested = row[at("release_requested")]
        vm = try (row[at("vm")] as String?).map { try JSONColumn.decode($0) }
        dnsAAAA = try decodeEnum("dns_aaaa", as: CheckStatus.self)
        dnsCheckedAt = date("dns_checked_at")
        sshSmoke = try decodeEnum("ssh_smoke", as: CheckStatus.self)
        sshCheckedAt = date("ssh_checked_at")
        customerMessage = row[at("customer_message")]
        operatorMessage = row[at("operator_message")]
        failureCode = row[at("failure_code")]
        rollbackAvailable = row[at("rollback_available")]
        leaseOwner = row[at("lease_owner")]
        leaseExpiresAt = date("lease_expires_at")
        attempts = row[at("attempts")]
        updatedAt = date("updated_at") ?? createdAt
        provisionedAt = date("provisioned_at")
        releasedAt = date("released_at")
        deletedAt = date("deleted_at")
        dnsDetail = row[at("dns_detail")]
        sshDetail = row[at("ssh_detail")]
        leaseEpoch = row[at("lease_epoch")]
        teardownFailures = row[at("teardown_failures")]
        restoredFrom = row[at("restored_from")]
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
        // Most orders carry no keys, ports or metadata: an empty column needs no decoder.
        if text == "[]", let empty = T.self as? any RangeReplaceableCollection.Type {
            return empty.init() as! T
        }
        if text == "{}", T.self == [String: String].self {
            return [String: String]() as! T
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw StoreError.corruptRow("a JSON column does not decode as \(T.self): \(error)")
        }
    }
}
