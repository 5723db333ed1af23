public import Foundation
import Logging
import PostgresNIO
public import ProvisionerAPI

extension PostgresStore {
    public func claimResource(namespace: String, resource: String, allocationID: String, now: Date) async throws
        -> ClaimOutcome
    {
        guard let outcome = try await claim(namespace, resource, allocationID, attempt: nil, now: now) else {
            throw StoreError.unavailable("an unfenced claim of \(resource) was refused by a fence")
        }
        return outcome
    }

    public func claimResource(namespace: String, resource: String, allocationID: String, attempt: Int, now: Date)
        async throws -> ClaimOutcome?
    {
        try await claim(namespace, resource, allocationID, attempt: attempt, now: now)
    }

    /// Claims, fenced by `attempt` when one is given; `nil` when the fence refused.
    private func claim(_ namespace: String, _ resource: String, _ allocationID: String, attempt: Int?, now: Date)
        async throws -> ClaimOutcome?
    {
        enum Attempt { case done(ClaimOutcome), fenced, again }
        let at = now.timeIntervalSince1970
        // Insert first and let the primary key (one claim per resource) and the unique index (one
        // assigned claim per allocation) decide between racing replicas; on a conflict, read who
        // holds what. A conflicting claim released in between leaves nothing to read: try again.
        for _ in 0..<5 {
            let result: Attempt = try await transaction { c in
                if let attempt {
                    // FOR SHARE: a claim of the allocation (which bumps its epoch) waits for this one.
                    let rows = try await c.rows(
                        "SELECT state, lease_epoch FROM allocations WHERE id = \(allocationID) FOR SHARE",
                        logger: logger)
                    guard let row = rows.first,
                        try row.decode((String, Int).self) == (LaunchProofStatus.provisioning.rawValue, attempt)
                    else { return .fenced }
                }
                let inserted = try await c.rows(
                    """
                    INSERT INTO resource_claims
                        (namespace, resource, allocation_id, state, note, claimed_at, updated_at, attempt)
                    VALUES (\(namespace), \(resource), \(allocationID), \(ClaimState.assigned.rawValue), NULL,
                            \(at), \(at), \(attempt))
                    ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: logger)
                if !inserted.isEmpty { return .done(.claimed) }
                if let held = try await Self.assignedClaim(namespace, allocationID: allocationID, c, logger) {
                    return .done(held.resource == resource ? .alreadyHeld : .allocationHoldsOther(held))
                }
                if let other = try await Self.claim(namespace, column: "resource", value: resource, c, logger) {
                    return .done(.unavailable(other))
                }
                return .again
            }
            switch result {
            case .done(let outcome): return outcome
            case .fenced: return nil
            case .again: continue
            }
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

    /// Applies a claim write inside a transition: only while the allocation holds the resource
    /// `assigned`, with its audit event.
    static func apply(_ write: ClaimWrite, at now: Date, _ c: PostgresConnection, _ logger: Logger) async throws {
        let changed: [PostgresRow]
        switch write.change {
        case .free:
            changed = try await c.rows(
                """
                DELETE FROM resource_claims
                WHERE namespace = \(write.scope) AND resource = \(write.resource)
                  AND allocation_id = \(write.allocationID) AND state = 'assigned'
                RETURNING 1
                """, logger: logger)
        case .state(let state, let note):
            changed = try await c.rows(
                """
                UPDATE resource_claims SET state = \(state.rawValue), note = \(note),
                    updated_at = \(now.timeIntervalSince1970)
                WHERE namespace = \(write.scope) AND resource = \(write.resource)
                  AND allocation_id = \(write.allocationID) AND state = 'assigned'
                RETURNING 1
                """, logger: logger)
        }
        guard !changed.isEmpty else { return }
        try await insert(write.auditEvent(at: now), c, logger)
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
        let state = try ClaimState(stored: try r["state"].decode(String.self), column: "resource_claims.state")
        return ResourceClaim(
            resource: try r["resource"].decode(String.self), allocationID: try r["allocation_id"].decode(String.self),
            state: state, note: try r["note"].decode(String?.self), attempt: try r["attempt"].decode(Int?.self))
    }
}
