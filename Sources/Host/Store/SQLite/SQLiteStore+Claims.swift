public import Foundation
import GRDB
public import ProvisionerAPI

extension SQLiteStore {
    public func claimResource(namespace: String, resource: String, allocationID: String, now: Date) async throws
        -> ClaimOutcome
    {
        try await writer.write { db in
            try Self.claimResource(db, namespace, resource, allocationID, attempt: nil, now: now)
        }
    }

    public func claimResource(namespace: String, resource: String, allocationID: String, attempt: Int, now: Date)
        async throws -> ClaimOutcome?
    {
        try await writer.write { db in
            let current = try Row.fetchOne(
                db, cachedSQL: "SELECT state, lease_epoch FROM allocations WHERE id = ?", arguments: [allocationID])
            guard let current, current["state"] == LaunchProofStatus.provisioning.rawValue,
                current["lease_epoch"] == attempt
            else { return nil }
            return try Self.claimResource(db, namespace, resource, allocationID, attempt: attempt, now: now)
        }
    }

    private static func claimResource(
        _ db: Database, _ namespace: String, _ resource: String, _ allocationID: String, attempt: Int?, now: Date
    ) throws -> ClaimOutcome {
        if let held = try assignedClaim(db, namespace: namespace, allocationID: allocationID) {
            return held.resource == resource ? .alreadyHeld : .allocationHoldsOther(held)
        }
        if let other = try claim(db, namespace: namespace, column: "resource", value: resource) {
            return .unavailable(other)
        }
        try db.execute(
            cachedSQL: """
                INSERT INTO resource_claims
                    (namespace, resource, allocation_id, state, note, claimed_at, updated_at, attempt)
                VALUES (?, ?, ?, ?, NULL, ?, ?, ?)
                """,
            arguments: [
                namespace, resource, allocationID, ClaimState.assigned.rawValue, now.timeIntervalSince1970,
                now.timeIntervalSince1970, attempt,
            ])
        return .claimed
    }

    public func resourceClaim(namespace: String, allocationID: String) async throws -> ResourceClaim? {
        try await writer.readOneStatement { db in
            try Row.fetchOne(
                db,
                cachedSQL: """
                    SELECT * FROM resource_claims WHERE namespace = ? AND allocation_id = ?
                    ORDER BY state = 'assigned' DESC, updated_at DESC LIMIT 1
                    """,
                arguments: [namespace, allocationID]
            ).map(Self.resourceClaim(row:))
        }
    }

    public func resourceClaim(namespace: String, resource: String) async throws -> ResourceClaim? {
        try await writer.readOneStatement { db in
            try Self.claim(db, namespace: namespace, column: "resource", value: resource)
        }
    }

    public func setClaimState(
        namespace: String, resource: String, allocationID: String, state: ClaimState, note: String?, now: Date,
        audit: [AuditEvent]
    ) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                cachedSQL: """
                    UPDATE resource_claims SET state = ?, note = ?, updated_at = ?
                    WHERE namespace = ? AND resource = ? AND allocation_id = ?
                    """,
                arguments: [state.rawValue, note, now.timeIntervalSince1970, namespace, resource, allocationID])
            guard db.changesCount > 0 else { return false }
            for event in audit { try Self.insert(event, db) }
            return true
        }
    }

    public func releaseClaim(namespace: String, resource: String, allocationID: String, audit: [AuditEvent])
        async throws -> Bool
    {
        try await writer.write { db in
            try db.execute(
                cachedSQL: "DELETE FROM resource_claims WHERE namespace = ? AND resource = ? AND allocation_id = ?",
                arguments: [namespace, resource, allocationID])
            guard db.changesCount > 0 else { return false }
            for event in audit { try Self.insert(event, db) }
            return true
        }
    }

    /// Applies a claim write inside a transition: only while the allocation holds the resource
    /// `assigned`, with its audit event.
    static func apply(_ write: ClaimWrite, at now: Date, _ db: Database) throws {
        switch write.change {
        case .free:
            try db.execute(
                cachedSQL: """
                    DELETE FROM resource_claims
                    WHERE namespace = ? AND resource = ? AND allocation_id = ? AND state = 'assigned'
                    """,
                arguments: [write.scope, write.resource, write.allocationID])
        case .state(let state, let note):
            try db.execute(
                cachedSQL: """
                    UPDATE resource_claims SET state = ?, note = ?, updated_at = ?
                    WHERE namespace = ? AND resource = ? AND allocation_id = ? AND state = 'assigned'
                    """,
                arguments: [
                    state.rawValue, note, now.timeIntervalSince1970, write.scope, write.resource, write.allocationID,
                ])
        }
        guard db.changesCount > 0 else { return }
        try insert(write.auditEvent(at: now), db)
    }

    public func resourceClaims(namespace: String) async throws -> [ResourceClaim] {
        try await writer.read { db in
            try Row.fetchAll(
                db, cachedSQL: "SELECT * FROM resource_claims WHERE namespace = ? ORDER BY resource",
                arguments: [namespace]
            ).map(Self.resourceClaim(row:))
        }
    }

    public func resourceClaims(namespace: String, state: ClaimState, updatedBefore: Date) async throws
        -> [ResourceClaim]
    {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                cachedSQL: """
                    SELECT * FROM resource_claims WHERE namespace = ? AND state = ? AND updated_at < ?
                    ORDER BY resource
                    """,
                arguments: [namespace, state.rawValue, updatedBefore.timeIntervalSince1970]
            ).map(Self.resourceClaim(row:))
        }
    }

    /// The claim an allocation holds now (assigned); claims it released into a reset do not count.
    fileprivate static func assignedClaim(_ db: Database, namespace: String, allocationID: String) throws
        -> ResourceClaim?
    {
        try Row.fetchOne(
            db,
            cachedSQL: "SELECT * FROM resource_claims WHERE namespace = ? AND allocation_id = ? AND state = 'assigned'",
            arguments: [namespace, allocationID]
        ).map(resourceClaim(row:))
    }

    fileprivate static func claim(_ db: Database, namespace: String, column: String, value: String) throws
        -> ResourceClaim?
    {
        try Row.fetchOne(
            db, cachedSQL: "SELECT * FROM resource_claims WHERE namespace = ? AND \(column) = ?",
            arguments: [namespace, value]
        ).map(resourceClaim(row:))
    }

    fileprivate static func resourceClaim(row: Row) throws -> ResourceClaim {
        let state = try ClaimState(stored: row["state"], column: "resource_claims.state")
        return ResourceClaim(
            resource: row["resource"], allocationID: row["allocation_id"], state: state, note: row["note"],
            attempt: row["attempt"])
    }
}
