public import Foundation
import GRDB

extension SQLiteStore {
    public func insertOperatorOp(_ op: OperatorOp, audit: [AuditEvent]) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO operator_ops (op_id, op, target, params, class, state, payload, nonce, expires_at,
                        requested_by, request_id, signer, outcome, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    op.opID, op.op, op.target, OperatorOpRow.encode(op.params), op.opClass.rawValue, op.state.rawValue,
                    op.payload, op.nonce, op.expiresAt.timeIntervalSince1970, op.requestedBy, op.requestID, op.signer,
                    op.outcome, op.createdAt.timeIntervalSince1970, op.updatedAt.timeIntervalSince1970,
                ])
            for event in audit { try Self.insert(event, db) }
        }
    }

    public func operatorOp(id: String) async throws -> OperatorOp? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM operator_ops WHERE op_id = ?", arguments: [id]).map(Self.op)
        }
    }

    public func operatorOps(limit: Int) async throws -> [OperatorOp] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM operator_ops ORDER BY created_at DESC, op_id LIMIT ?", arguments: [limit]
            ).map(Self.op)
        }
    }

    public func operatorOps(state: OperatorOp.State) async throws -> [OperatorOp] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM operator_ops WHERE state = ? ORDER BY created_at, op_id",
                arguments: [state.rawValue]
            ).map(Self.op)
        }
    }

    public func isNonceUsed(_ nonce: String) async throws -> Bool {
        try await writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM used_nonces WHERE nonce = ?)", arguments: [nonce])
                ?? false
        }
    }

    public func beginOperatorOp(id: String, nonce: String, signer: String, now: Date, audit: [AuditEvent])
        async throws -> BeginOpOutcome
    {
        do {
            return try await writer.write { db in
                // The unique key refuses a nonce consumed before, by any process sharing the file.
                try db.execute(
                    sql: """
                        INSERT INTO used_nonces (nonce, op_id, signer, used_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT(nonce) DO NOTHING
                        """,
                    arguments: [nonce, id, signer, now.timeIntervalSince1970])
                guard db.changesCount == 1 else { return .nonceReplayed }
                try db.execute(
                    sql: """
                        UPDATE operator_ops SET state = 'running', signer = ?, updated_at = ?
                        WHERE op_id = ? AND state = 'pending_signature'
                        """,
                    arguments: [signer, now.timeIntervalSince1970, id])
                let updated = db.changesCount == 1
                let current = try Row.fetchOne(db, sql: "SELECT * FROM operator_ops WHERE op_id = ?", arguments: [id])
                    .map(Self.op)
                // Rolls the nonce back: an op that is not pending consumes nothing.
                guard updated, let current else { throw OperatorOpNotPending(op: current) }
                for event in audit { try Self.insert(event, db) }
                return .begun(current)
            }
        } catch let notPending as OperatorOpNotPending {
            return .notPending(notPending.op)
        }
    }

    public func finishOperatorOp(
        id: String, state: OperatorOp.State, outcome: String, now: Date, audit: [AuditEvent]
    ) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql:
                    "UPDATE operator_ops SET state = ?, outcome = ?, updated_at = ? WHERE op_id = ? AND state = 'running'",
                arguments: [state.rawValue, outcome, now.timeIntervalSince1970, id])
            guard db.changesCount == 1 else { return false }
            for event in audit { try Self.insert(event, db) }
            return true
        }
    }

    private static func op(_ row: Row) -> OperatorOp {
        OperatorOp(
            opID: row["op_id"], op: row["op"], target: row["target"], params: OperatorOpRow.decode(row["params"]),
            opClass: OpClass(rawValue: row["class"]) ?? .destructive,
            state: OperatorOp.State(rawValue: row["state"]) ?? .failed, payload: row["payload"], nonce: row["nonce"],
            expiresAt: Date(timeIntervalSince1970: row["expires_at"]), requestedBy: row["requested_by"],
            requestID: row["request_id"], signer: row["signer"], outcome: row["outcome"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }
}

/// Thrown inside a transaction to roll it back when the op is not pending.
struct OperatorOpNotPending: Error {
    var op: OperatorOp?
}

/// The `params` column: the op's parameters as canonical JSON.
enum OperatorOpRow {
    static func encode(_ params: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(params)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }
}
