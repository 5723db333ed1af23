public import Foundation
import Logging
import PostgresNIO
public import ProvisionerAPI

extension PostgresStore {
    public func claimResource(namespace: String, resource: String, allocationID: String, now: Date) async throws
        -> ClaimOutcome
    {
        let at = now.timeIntervalSince1970
        // Insert first and let the primary key (one claim per resource) and the unique index (one
        // per allocation) decide between racing replicas; on a conflict, read who holds what. A
        // conflicting claim released in between leaves nothing to read: then try again.
        for _ in 0..<5 {
            let outcome: ClaimOutcome? = try await transaction { c in
                let inserted = try await c.rows(
                    """
                    INSERT INTO resource_claims (namespace, resource, allocation_id, state, note, claimed_at, updated_at)
                    VALUES (\(namespace), \(resource), \(allocationID), \(ClaimState.assigned.rawValue), NULL, \(at), \(at))
                    ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: logger)
                if !inserted.isEmpty { return .claimed }
                if let held = try await Self.assignedClaim(namespace, allocationID: allocationID, c, logger) {
                    return held.resource == resource ? .alreadyHeld : .allocationHoldsOther(held)
                }
                if let other = try await Self.claim(namespace, column: "resource", value: resource, c, logger) {
                    return .unavailable(other)
                }
                return nil
            }
            if let outcome { return outcome }
        }
        throw StoreError.unavailable("the claim of \(resource) kept conflicting with claims released at once")
    }

    public func resourceClaim(namespace: String, allocationID: String) async throws -> ResourceClaim? {
        try await rows(
            """
            SELECT * FROM resource_claims WHERE namespace = \(namespace) AND allocation_id = \(allocationID)
            ORDER BY state = 'assigned' DESC, updated_at DESC LIMIT 1
            """
        ).first.map(Self.resourceClaim(row:))
    }

    public func resourceClaim(namespace: String, resource: String) async throws -> ResourceClaim? {
        try await rows("SELECT * FROM resource_claims WHERE namespace = \(namespace) AND resource = \(resource)")
            .first.map(Self.resourceClaim(row:))
    }

    public func setClaimState(
        namespace: String, resource: String, allocationID: String, state: ClaimState, note: String?, now: Date,
        audit: [AuditEvent]
    ) async throws -> Bool {
        try await transaction { c in
            let updated = try await c.rows(
                """
                UPDATE resource_claims SET state = \(state.rawValue), note = \(note),
                    updated_at = \(now.timeIntervalSince1970)
                WHERE namespace = \(namespace) AND resource = \(resource) AND allocation_id = \(allocationID)
                RETURNING 1
                """, logger: logger)
            guard !updated.isEmpty else { return false }
            for event in audit { try await Self.insert(event, c, logger) }
            return true
        }
    }

    public func releaseClaim(namespace: String, resource: String, allocationID: String, audit: [AuditEvent])
        async throws -> Bool
    {
        try await transaction { c in
            let deleted = try await c.rows(
                """
                DELETE FROM resource_claims
                WHERE namespace = \(namespace) AND resource = \(resource) AND allocation_id = \(allocationID)
                RETURNING 1
                """, logger: logger)
            guard !deleted.isEmpty else { return false }
            for event in audit { try await Self.insert(event, c, logger) }
            return true
        }
    }

    public func resourceClaims(namespace: String) async throws -> [ResourceClaim] {
        try await rows("SELECT * FROM resource_claims WHERE namespace = \(namespace) ORDER BY resource")
            .map(Self.resourceClaim(row:))
    }

    public func resourceClaims(namespace: String, state: ClaimState, updatedBefore: Date) async throws
        -> [ResourceClaim]
    {
        try await rows(
            """
            SELECT * FROM resource_claims
            WHERE namespace = \(namespace) AND state = \(state.rawValue)
              AND updated_at < \(updatedBefore.timeIntervalSince1970)
            ORDER BY resource
            """
        ).map(Self.resourceClaim(row:))
    }

    /// The claim an allocation holds now (assigned); claims it released into a reset do not count.
    fileprivate static func assignedClaim(
        _ namespace: String, allocationID: String, _ c: PostgresConnection, _ logger: Logger
    ) async throws -> ResourceClaim? {
        try await c.rows(
            """
            SELECT * FROM resource_claims
            WHERE namespace = \(namespace) AND allocation_id = \(allocationID) AND state = 'assigned'
            """, logger: logger
        ).first.map(resourceClaim(row:))
    }

    fileprivate static func claim(
        _ namespace: String, column: String, value: String, _ c: PostgresConnection, _ logger: Logger
    ) async throws -> ResourceClaim? {
        var conditions = PostgresFilter()
        conditions.add("namespace", equals: namespace)
        conditions.add(column, equals: value)
        return try await c.rows(
            conditions.query("SELECT * FROM resource_claims \(conditions.whereClause)"), logger: logger
        )
        .first.map(resourceClaim(row:))
    }

    fileprivate static func resourceClaim(row: PostgresRow) throws -> ResourceClaim {
        let r = row.makeRandomAccess()
        let raw = try r["state"].decode(String.self)
        guard let state = ClaimState(rawValue: raw) else {
            throw StoreError.corruptRow("resource_claims.state has unknown value '\(raw)'")
        }
        return ResourceClaim(
            resource: try r["resource"].decode(String.self), allocationID: try r["allocation_id"].decode(String.self),
            state: state, note: try r["note"].decode(String?.self))
    }
}
