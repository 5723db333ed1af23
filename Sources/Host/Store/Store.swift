public import Foundation
public import ProvisionerAPI

/// The outcome of inserting a new order.
public enum InsertOrderOutcome: Sendable, Equatable {
    /// The order was stored.
    case created(AllocationRecord)
    /// An order with the same idempotency key and the same request exists; here it is.
    case replayed(AllocationRecord)
    /// An order with the same idempotency key but a different request exists.
    case idempotencyConflict(existingID: String)
    /// The user already holds the most active paid VMs allowed.
    case quotaExceeded(active: Int, limit: Int)
    /// The backend's capacity is taken: `reserved` occupants fill its `slots` (of the order's plan,
    /// or in all; see ``ReservationLimit``).
    case capacityExhausted(reserved: Int, slots: Int)
}

/// The outcome of a compare-and-set transition.
public enum TransitionOutcome: Sendable, Equatable {
    /// Applied; the record as it is now.
    case applied(AllocationRecord)
    /// No such allocation.
    case notFound
    /// The allocation is in a state the transition does not start from; the record as it is.
    case stateConflict(AllocationRecord)
    /// The write was fenced with an epoch that is no longer the allocation's: another attempt
    /// claimed it since. Nothing was written; the record as it is.
    case leaseLost(AllocationRecord)
}

/// Where allocations, the journal and the audit log live.
///
/// Exposes domain types only, so SQLite and PostgreSQL implementations pass one shared test
/// suite. Every method commits before returning; each is one transaction. Hosts, guests and
/// host reports are in ``HostStore``; the gate's ops and nonces in ``OperatorOpStore``.
public protocol Store: HostStore, OperatorOpStore {
    /// Creates or upgrades the schema. Additive and idempotent.
    func migrate() async throws
    /// Proves the store answers (for `/readyz`).
    func ping() async throws
    /// Flushes and closes. No call may follow.
    func close() async throws

    /// Inserts an order with its audit event, honouring the idempotency key, the paid-VM cap
    /// (`maxActivePaid` of 0 means no cap) and the backend's capacity (`reservation`, `nil` for
    /// none) atomically: of any number of concurrent inserts, also on replicas sharing the store,
    /// no more are created than the capacity allows.
    ///
    /// An order replayed under its idempotency key is returned as ``InsertOrderOutcome/replayed(_:)``
    /// even when the capacity is full.
    func insertOrder(
        _ record: AllocationRecord, maxActivePaid: Int, reservation: ReservationLimit?, audit: AuditEvent
    ) async throws -> InsertOrderOutcome

    /// Inserts an order as ``insertOrder(_:maxActivePaid:reservation:audit:)`` does, in one
    /// transaction with its user (when given), its audit and lifecycle events and its journal
    /// entries (a first step begun in the same commit). Nothing is written for a refused or
    /// replayed order.
    func insertOrder(_ order: OrderInsertion) async throws -> InsertOrderOutcome

    /// One allocation, including soft-deleted ones.
    func allocation(id: String) async throws -> AllocationRecord?
    /// The facts `GET /v1/vm/{id}/status` shows of one allocation (soft-deleted ones included),
    /// read without the rest of the record; a default reads the whole record.
    func publicStatus(id: String) async throws -> PublicStatusRecord?
    /// The allocation created under an idempotency key, if any.
    func allocation(idempotencyKey: String) async throws -> AllocationRecord?
    /// A user's allocations, newest first, without soft-deleted ones.
    func allocations(userID: String) async throws -> [AllocationRecord]

    /// Allocations matching `filter`, newest first, `limit` of them after skipping `offset`.
    func allocations(matching filter: AllocationFilter, limit: Int, offset: Int) async throws -> [AllocationRecord]
    /// How many allocations (not soft-deleted) are in each state; absent states have none.
    func allocationCountsByState() async throws -> [LaunchProofStatus: Int]

    /// Applies `change` when the allocation is in one of `from` (and, with a `fence`, still at that
    /// lease epoch), with journal mutations, audit events and lifecycle events, in one transaction.
    ///
    /// A move to a state the lifecycle's legal-move table does not allow is a state conflict.
    /// `claims` are a backend's claim-ledger writes committed in the same transaction (a release,
    /// ``ReleasePreparing``): each applies only while the allocation holds the resource
    /// `assigned`, with its audit event (``ClaimWrite/auditEvent(at:)``); one that finds the claim
    /// moved on changes nothing.
    func transition(
        id: String, from: Set<LaunchProofStatus>, change: AllocationChange, journal: [JournalMutation],
        audit: [AuditEvent], events: [LifecycleEvent], fence: Int?, claims: [ClaimWrite]
    ) async throws -> TransitionOutcome

    /// Leases up to `limit` allocations needing work (paid, provisioning, releasing, or a release
    /// requested) whose lease is free or expired, to `owner` until `leaseUntil`; each claim bumps
    /// the allocation's lease epoch.
    func claimWork(owner: String, now: Date, leaseUntil: Date, limit: Int) async throws -> [AllocationRecord]

    /// Extends the lease of the holder of `epoch` until `until`; `false` when the epoch moved on
    /// (another attempt claimed the allocation) and nothing was changed.
    func renewLease(id: String, epoch: Int, until: Date) async throws -> Bool

    /// Allocations with a rollback teardown pending (``AllocationRecord/teardownPending``) or a
    /// teardown journal entry left open (its runner died), whose lease (the retry backoff, or the
    /// dead runner's) is free or expired at `now`, at most `limit`.
    func allocationsWithTeardownDue(now: Date, limit: Int) async throws -> [AllocationRecord]

    /// Clears the leases whose owner starts with `ownerPrefix` (a restarted Host taking back the
    /// work its previous run held); returns how many were cleared.
    func releaseLeases(ownerPrefix: String) async throws -> Int

    /// Journal entries that were begun and never finished.
    func unfinishedJournalEntries() async throws -> [JournalEntry]
    /// The journal entries of one allocation, oldest first.
    func journalEntries(allocationID: String) async throws -> [JournalEntry]

    /// Appends audit events outside a transition.
    func appendAudit(_ events: [AuditEvent]) async throws
    /// Audit events matching `filter`, newest first, at most `limit`, with ids below `beforeID`
    /// when given (the cursor for the next page).
    func auditEvents(matching filter: AuditFilter, limit: Int, beforeID: Int64?) async throws -> [AuditEvent]
    /// Audit events of one allocation, oldest first.
    func auditEvents(allocationID: String) async throws -> [AuditEvent]

    /// Appends lifecycle events outside a transition.
    func appendEvents(_ events: [LifecycleEvent]) async throws
    /// Lifecycle events matching `filter`, newest first, at most `limit`, with ids below
    /// `beforeID` when given.
    func lifecycleEvents(matching filter: LifecycleEventFilter, limit: Int, beforeID: Int64?) async throws
        -> [LifecycleEvent]
    /// Lifecycle events of one allocation, oldest first.
    func lifecycleEvents(allocationID: String) async throws -> [LifecycleEvent]

    /// Creates the user, or sets the forge id of an existing one when `forgeID` is not `nil`.
    func upsertUser(id: String, forgeID: String?, now: Date) async throws -> UserRecord
    /// One user, if known.
    func user(id: String) async throws -> UserRecord?

    /// Claims a backend resource for an allocation (see ``ClaimLedger/claim(_:for:)``); one
    /// claim per resource and one per allocation within a namespace, enforced by unique keys.
    func claimResource(namespace: String, resource: String, allocationID: String, now: Date) async throws
        -> ClaimOutcome
    /// Claims a resource for the attempt `attempt` of an allocation, tagged with it: like
    /// ``claimResource(namespace:resource:allocationID:now:)``, but in the same transaction only
    /// while the allocation is `provisioning` at lease epoch `attempt`.
    ///
    /// - Returns: `nil` when that attempt is no longer the allocation's (nothing was claimed).
    func claimResource(namespace: String, resource: String, allocationID: String, attempt: Int, now: Date)
        async throws -> ClaimOutcome?
    /// The claim an allocation holds in a namespace, if any: its assigned claim, else the one it
    /// released last.
    func resourceClaim(namespace: String, allocationID: String) async throws -> ResourceClaim?
    /// The claim on a resource, whoever holds it, if any.
    func resourceClaim(namespace: String, resource: String) async throws -> ResourceClaim?
    /// Moves a claim to `state`, with audit events, in one transaction; `false` when no such claim.
    func setClaimState(
        namespace: String, resource: String, allocationID: String, state: ClaimState, note: String?, now: Date,
        audit: [AuditEvent]
    ) async throws -> Bool
    /// Removes a claim, with audit events, in one transaction; `false` when no such claim.
    func releaseClaim(namespace: String, resource: String, allocationID: String, audit: [AuditEvent]) async throws
        -> Bool
    /// Every claim in a namespace, ordered by resource.
    func resourceClaims(namespace: String) async throws -> [ResourceClaim]
    /// The claims of a namespace in `state` not updated since `updatedBefore` (deadlines).
    func resourceClaims(namespace: String, state: ClaimState, updatedBefore: Date) async throws -> [ResourceClaim]

    /// Saves a backend catalog, bumping its generation atomically; returns the new generation.
    func saveCatalog(namespace: String, payload: String, now: Date) async throws -> Int64
    /// Saves a catalog as generation 1 unless the namespace has one, atomically; returns the
    /// catalog as stored afterwards.
    func seedCatalog(namespace: String, payload: String, now: Date) async throws -> StoredCatalog
    /// The catalog of a namespace as last saved, if any.
    func catalog(namespace: String) async throws -> StoredCatalog?
    /// The generation of a namespace's catalog, if one was saved.
    func catalogGeneration(namespace: String) async throws -> Int64?
    /// Stores parts of a catalog not published yet, in one transaction; returns their ids in order.
    func writeCatalogParts(namespace: String, payloads: [String]) async throws -> [Int64]
    /// Stores parts of a catalog not published yet, as bytes, in one transaction; returns their ids
    /// in order. They read back in ``StoredCatalogPart/bytes``.
    func writeCatalogParts(namespace: String, bytes: [[UInt8]]) async throws -> [Int64]
    /// Makes `parts` the namespace's catalog in one transaction (``CatalogPartStore/publish(parts:seed:)``).
    func publishCatalog(namespace: String, parts: [Int64], seed: Bool, now: Date) async throws
        -> CatalogPublishOutcome
    /// The namespace's catalog as last published, in parts (one part, id 0, when it was saved whole).
    func catalogParts(namespace: String) async throws -> StoredCatalogParts?

    /// What ``insertOrder(_:maxActivePaid:reservation:audit:)`` would count for an order of `plan`
    /// by `userID` now, read only (a dry run writes nothing): the user's active paid VMs and, with
    /// a `reservation`, what occupies its backend.
    func admissionCounts(userID: String, plan: String, reservation: ReservationLimit?) async throws
        -> AdmissionCounts
}

extension Store {
    /// Inserts an order that reserves no backend capacity.
    public func insertOrder(_ record: AllocationRecord, maxActivePaid: Int, audit: AuditEvent) async throws
        -> InsertOrderOutcome
    {
        try await insertOrder(record, maxActivePaid: maxActivePaid, reservation: nil, audit: audit)
    }

    /// Applies `change` with no claim writes.
    public func transition(
        id: String, from: Set<LaunchProofStatus>, change: AllocationChange, journal: [JournalMutation],
        audit: [AuditEvent], events: [LifecycleEvent], fence: Int?
    ) async throws -> TransitionOutcome {
        try await transition(
            id: id, from: from, change: change, journal: journal, audit: audit, events: events, fence: fence,
            claims: [])
    }

    /// Applies `change` with at most one journal mutation, unfenced.
    public func transition(
        id: String, from: Set<LaunchProofStatus>, change: AllocationChange, journal: JournalMutation?,
        audit: [AuditEvent], events: [LifecycleEvent] = []
    ) async throws -> TransitionOutcome {
        try await transition(
            id: id, from: from, change: change, journal: journal.map { [$0] } ?? [], audit: audit, events: events,
            fence: nil)
    }
}
