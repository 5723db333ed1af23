import Foundation
import PostgresNIO
import ProvisionerAPI

/// Maps ``AllocationRecord`` to and from its PostgreSQL `allocations` row.
extension AllocationRecord {
    /// The columns in ``postgresBindings()`` order; `id` first.
    static let postgresColumns = [
        "id", "user_id", "plan", "price_cents", "backend", "is_demo", "hostname", "ssh_keys", "open_ports",
        "metadata", "state", "payment_status", "payment_reference", "idempotency_key", "request_fingerprint",
        "release_requested", "vm", "dns_aaaa", "dns_checked_at", "ssh_smoke", "ssh_checked_at",
        "customer_message", "operator_message", "failure_code", "rollback_available", "lease_owner",
        "lease_expires_at", "attempts", "created_at", "updated_at", "provisioned_at", "released_at", "deleted_at",
        "dns_detail", "ssh_detail", "lease_epoch", "teardown_failures",
        "restored_from",
    ]

    init(postgresRow: PostgresRow) throws {
        let row = postgresRow.makeRandomAccess()
        func text(_ column: String) throws -> String { try row[column].decode(String.self) }
        func optionalText(_ column: String) throws -> String? { try row[column].decode(String?.self) }
        func date(_ column: String) throws -> Date? {
            try row[column].decode(Double?.self).map { Date(timeIntervalSince1970: $0) }
        }
        func decodeEnum<E: RawRepresentable>(_ column: String, as type: E.Type) throws -> E where E.RawValue == String {
            try E(stored: try text(column), column: "allocations.\(column)")
        }
        self.init(
            id: try text("id"), userID: try text("user_id"),
            plan: PlanSpec(name: try text("plan"), priceCents: try row["price_cents"].decode(Int.self)),
            backend: try text("backend"), isDemo: try row["is_demo"].decode(Bool.self),
            hostname: try optionalText("hostname"), sshKeys: try JSONColumn.decode(text("ssh_keys")),
            openPorts: try JSONColumn.decode(text("open_ports")), metadata: try JSONColumn.decode(text("metadata")),
            idempotencyKey: try optionalText("idempotency_key"),
            requestFingerprint: try optionalText("request_fingerprint"),
            now: try date("created_at") ?? Date(timeIntervalSince1970: 0))
        state = try decodeEnum("state", as: LaunchProofStatus.self)
        paymentStatus = try decodeEnum("payment_status", as: PaymentStatus.self)
        paymentReference = try optionalText("payment_reference")
        releaseRequested = try row["release_requested"].decode(Bool.self)
        vm = try optionalText("vm").map { try JSONColumn.decode($0) }
        dnsAAAA = try decodeEnum("dns_aaaa", as: CheckStatus.self)
        dnsCheckedAt = try date("dns_checked_at")
        sshSmoke = try decodeEnum("ssh_smoke", as: CheckStatus.self)
        sshCheckedAt = try date("ssh_checked_at")
        customerMessage = try text("customer_message")
        operatorMessage = try optionalText("operator_message")
        failureCode = try optionalText("failure_code")
        rollbackAvailable = try row["rollback_available"].decode(Bool.self)
        leaseOwner = try optionalText("lease_owner")
        leaseExpiresAt = try date("lease_expires_at")
        attempts = try row["attempts"].decode(Int.self)
        updatedAt = try date("updated_at") ?? createdAt
        provisionedAt = try date("provisioned_at")
        releasedAt = try date("released_at")
        deletedAt = try date("deleted_at")
        dnsDetail = try optionalText("dns_detail")
        sshDetail = try optionalText("ssh_detail")
        leaseEpoch = try row["lease_epoch"].decode(Int.self)
        teardownFailures = try row["teardown_failures"].decode(Int.self)
        restoredFrom = try optionalText("restored_from")
    }

    /// The column values as query bindings, in ``postgresColumns`` order.
    func postgresBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: Self.postgresColumns.count)
        b.append(id)
        b.append(userID)
        b.append(plan)
        b.append(priceCents)
        b.append(backend)
        b.append(isDemo)
        b.append(hostname)
        b.append(try JSONColumn.encode(sshKeys))
        b.append(try JSONColumn.encode(openPorts))
        b.append(try JSONColumn.encode(metadata))
        b.append(state.rawValue)
        b.append(paymentStatus.rawValue)
        b.append(paymentReference)
        b.append(idempotencyKey)
        b.append(requestFingerprint)
        b.append(releaseRequested)
        b.append(try vm.map { try JSONColumn.encode($0) })
        b.append(dnsAAAA.rawValue)
        b.append(dnsCheckedAt?.timeIntervalSince1970)
        b.append(sshSmoke.rawValue)
        b.append(sshCheckedAt?.timeIntervalSince1970)
        b.append(customerMessage)
        b.append(operatorMessage)
        b.append(failureCode)
        b.append(rollbackAvailable)
        b.append(leaseOwner)
        b.append(leaseExpiresAt?.timeIntervalSince1970)
        b.append(attempts)
        b.append(createdAt.timeIntervalSince1970)
        b.append(updatedAt.timeIntervalSince1970)
        b.append(provisionedAt?.timeIntervalSince1970)
        b.append(releasedAt?.timeIntervalSince1970)
        b.append(deletedAt?.timeIntervalSince1970)
        b.append(dnsDetail)
        b.append(sshDetail)
        b.append(leaseEpoch)
        b.append(teardownFailures)
        b.append(restoredFrom)
        return b
    }

    /// `INSERT INTO allocations (…) VALUES ($1, …)` for ``postgresBindings()``.
    static let postgresInsertSQL: String = {
        let placeholders = (1...postgresColumns.count).map { "$\($0)" }.joined(separator: ", ")
        return "INSERT INTO allocations (\(postgresColumns.joined(separator: ", "))) VALUES (\(placeholders))"
    }()

    /// `UPDATE allocations SET … WHERE id = $1` for ``postgresBindings()``.
    static let postgresUpdateSQL: String = {
        let assignments = postgresColumns.enumerated().dropFirst().map { "\($1) = $\($0 + 1)" }
        return "UPDATE allocations SET \(assignments.joined(separator: ", ")) WHERE id = $1"
    }()
}
