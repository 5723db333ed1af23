public import Foundation
import PostgresNIO

extension PostgresStore {
    public func insertOperatorOp(_ op: OperatorOp, audit: [AuditEvent]) async throws {
        try await transaction { c in
            try await c.query(
                """
                INSERT INTO operator_ops (op_id, op, target, params, class, state, payload, nonce, expires_at,
                    requested_by, request_id, signer, outcome, created_at, updated_at)
                VALUES (\(op.opID), \(op.op), \(op.target), \(OperatorOpRow.encode(op.params)),
                    \(op.opClass.rawValue), \(op.state.rawValue), \(op.payload), \(op.nonce),
                    \(op.expiresAt.timeIntervalSince1970), \(op.requestedBy), \(op.requestID), \(op.signer),
                    \(op.outcome), \(op.createdAt.timeIntervalSince1970), \(op.updatedAt.timeIntervalSince1970))
                """, logger: logger)
            for event in audit { try await Self.insert(event, c, logger) }
        }
    }

    public func operatorOp(id: String) async throws -> OperatorOp? {
        try await rows("SELECT \(unescaped: Self.opColumns) FROM operator_ops WHERE op_id = \(id)").first.map(Self.op)
    }

    public func operatorOps(limit: Int) async throws -> [OperatorOp] {
        try await rows(
            "SELECT \(unescaped: Self.opColumns) FROM operator_ops ORDER BY created_at DESC, op_id LIMIT \(limit)"
        ).map(Self.op)
    }

    public func operatorOps(state: OperatorOp.State) async throws -> [OperatorOp] {
        try await rows(
            """
            SELECT \(unescaped: Self.opColumns) FROM operator_ops WHERE state = \(state.rawValue)
            ORDER BY created_at, op_id
            """
        ).map(Self.op)
    }

    public func isNonceUsed(_ nonce: String) async throws -> Bool {
        try await !rows("SELECT 1 FROM used_nonces WHERE nonce = \(nonce)").isEmpty
    }

    public func beginOperatorOp(id: String, nonce: String, signer: String, now: Date, audit: [AuditEvent])
        async throws -> BeginOpOutcome
    {
        do {
            return try await transaction { c in
                // A replica racing with the same nonce waits on the unique key, then inserts nothing.
                let inserted = try await c.rows(
                    """
                    INSERT INTO used_nonces (nonce, op_id, signer, used_at)
                    VALUES (\(nonce), \(id), \(signer), \(now.timeIntervalSince1970))
                    ON CONFLICT (nonce) DO NOTHING RETURNING nonce
                    """, logger: logger)
                guard !inserted.isEmpty else { return .nonceReplayed }
                let updated = try await c.rows(
                    """
                    UPDATE operator_ops SET state = 'running', signer = \(signer),
                        updated_at = \(now.timeIntervalSince1970)
                    WHERE op_id = \(id) AND state = 'pending_signature'
                    RETURNING \(unescaped: Self.opColumns)
                    """, logger: logger)
                guard let row = updated.first else {
                    let current = try await c.rows(
                        "SELECT \(unescaped: Self.opColumns) FROM operator_ops WHERE op_id = \(id)", logger: logger)
                    // Rolls the nonce back: an op that is not pending consumes nothing.
                    throw OperatorOpNotPending(op: try current.first.map(Self.op))
                }
                for event in audit { try await Self.insert(event, c, logger) }
                return .begun(try Self.op(row))
            }
        } catch let notPending as OperatorOpNotPending {
            return .notPending(notPending.op)
        }
    }

    public func finishOperatorOp(
        id: String, state: OperatorOp.State, outcome: String, now: Date, audit: [AuditEvent]
    ) async throws -> Bool {
        try await transaction { c in
            let updated = try await c.rows(
                """
                UPDATE operator_ops SET state = \(state.rawValue), outcome = \(outcome),
                    updated_at = \(now.timeIntervalSince1970)
                WHERE op_id = \(id) AND state = 'running' RETURNING op_id
                """, logger: logger)
            guard !updated.isEmpty else { return false }
            for event in audit { try await Self.insert(event, c, logger) }
            return true
        }
    }

    private static let opColumns =
        "op_id, op, target, params, class, state, payload, nonce, expires_at, requested_by, request_id, signer, "
        + "outcome, created_at, updated_at"

    private static func op(_ row: PostgresRow) throws -> OperatorOp {
        let r = row.makeRandomAccess()
        return OperatorOp(
            opID: try r["op_id"].decode(String.self), op: try r["op"].decode(String.self),
            target: try r["target"].decode(String.self),
            params: OperatorOpRow.decode(try r["params"].decode(String.self)),
            opClass: OpClass(rawValue: try r["class"].decode(String.self)) ?? .destructive,
            state: OperatorOp.State(rawValue: try r["state"].decode(String.self)) ?? .failed,
            payload: try r["payload"].decode(String.self), nonce: try r["nonce"].decode(String.self),
            expiresAt: Date(timeIntervalSince1970: try r["expires_at"].decode(Double.self)),
            requestedBy: try r["requested_by"].decode(String.self), requestID: try r["request_id"].decode(String?.self),
            signer: try r["signer"].decode(String?.self), outcome: try r["outcome"].decode(String?.self),
            createdAt: Date(timeIntervalSince1970: try r["created_at"].decode(Double.self)),
            updatedAt: Date(timeIntervalSince1970: try r["updated_at"].decode(Double.self)))
    }
}
