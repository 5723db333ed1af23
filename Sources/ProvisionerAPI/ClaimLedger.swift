/// Where a claimed resource is in its hand-out cycle.
public enum ClaimState: String, Sendable, Hashable, CaseIterable {
    /// Held by an allocation (a customer uses it).
    case assigned
    /// Released by its allocation; waiting for a reset (a release hook) before reuse.
    case cleaning
    /// The reset failed for good; an operator must act before the resource is reused.
    case quarantined
}

/// One resource held by one allocation in a ``ClaimLedger``.
public struct ResourceClaim: Sendable, Hashable {
    /// The backend's identifier of the resource (a pool VM id).
    public var resource: String
    /// The allocation that holds (or last held) it.
    public var allocationID: String
    /// Where the resource is in its hand-out cycle.
    public var state: ClaimState
    /// Operator-facing detail (why a resource is quarantined), if any.
    public var note: String?
    /// The attempt that took the claim (``AllocationRequest/attempt``), when it was fenced by one.
    public var attempt: Int?

    /// Creates a claim.
    public init(resource: String, allocationID: String, state: ClaimState, note: String? = nil, attempt: Int? = nil) {
        self.resource = resource
        self.allocationID = allocationID
        self.state = state
        self.note = note
        self.attempt = attempt
    }
}

/// The result of ``ClaimLedger/claim(_:for:)``.
public enum ClaimOutcome: Sendable, Hashable {
    /// The resource is now held by the allocation.
    case claimed
    /// The allocation already held this resource (an idempotent retry).
    case alreadyHeld
    /// Another allocation holds the resource, or it is cleaning or quarantined.
    case unavailable(ResourceClaim)
    /// The allocation already holds a different resource (assigned); here is its claim.
    case allocationHoldsOther(ResourceClaim)
}

/// Durable bookkeeping of which backend resource is held by which allocation.
///
/// The Host backs it with its store, where a uniqueness constraint makes a resource held by at
/// most one allocation, and an allocation hold at most one resource, across threads, processes
/// and replicas. Plugins that hand out pre-existing resources (the pool backend) receive one in
/// their ``BackendContext`` and never import the Host or a database library.
///
/// ## Implementation requirements
/// - Every method commits before returning (``deferredWrite(_:of:for:)`` writes nothing: it
///   prepares a write for the Host to commit).
/// - `claim` is atomic: of any number of concurrent claims of one resource, at most one
///   returns ``ClaimOutcome/claimed``.
/// - A resource with a claim in any ``ClaimState`` is unavailable to other allocations until
///   ``release(_:for:)`` removes the claim.
/// - An allocation holds at most one ``ClaimState/assigned`` claim. A claim it released (being
///   reset, or quarantined) is never handed back to it: claiming again gives it another
///   resource, while the released one stays unavailable until its reset finishes.
public protocol ClaimLedger: Sendable {
    /// Claims `resource` for `allocationID`.
    ///
    /// - Throws: ``ProvisionerError`` with `backend_unavailable` when the ledger cannot be reached.
    func claim(_ resource: String, for allocationID: String) async throws -> ClaimOutcome

    /// Claims `resource` for one attempt of `allocationID`, fenced: the claim is taken only while
    /// that attempt is still the allocation's current one, in the same transaction, and it is
    /// tagged with the attempt (a teardown of that attempt releases it, of another does not).
    ///
    /// The default ignores the attempt (a ledger with nothing to fence by).
    ///
    /// - Throws: ``ProvisionerError`` `lease_lost` when another attempt took the allocation over
    ///   (nothing was claimed), `backend_unavailable` when the ledger cannot be reached.
    func claim(_ resource: String, for allocationID: String, attempt: Int?) async throws -> ClaimOutcome

    /// The claim an allocation holds, if any: its ``ClaimState/assigned`` claim when it has one,
    /// else the claim it last released (`cleaning` or `quarantined`).
    func claim(of allocationID: String) async throws -> ResourceClaim?

    /// The claim on `resource`, whoever holds it, if any.
    ///
    /// An allocation whose resource is being reset may since hold another one, so work on a
    /// released resource (its reset) looks the claim up by resource, not by allocation. The
    /// default reads every claim; a ledger with an index implements it directly.
    func claim(on resource: String) async throws -> ResourceClaim?

    /// Moves the claim of `resource` by `allocationID` to `state`.
    ///
    /// - Returns: `false` when no such claim exists.
    func setState(_ state: ClaimState, of resource: String, for allocationID: String, note: String?) async throws
        -> Bool

    /// Removes the claim of `resource` by `allocationID`, making the resource available again.
    ///
    /// - Returns: `false` when no such claim exists (already released).
    func release(_ resource: String, for allocationID: String) async throws -> Bool

    /// Every claim in the ledger.
    func claims() async throws -> [ResourceClaim]

    /// The write that applies `change` to the claim of `resource` by `allocationID`, prepared and
    /// not committed (the Host commits it with the transition that records the release,
    /// ``ReleasePreparing``); `nil` when this ledger commits every write itself (the default).
    func deferredWrite(_ change: ClaimWrite.Change, of resource: String, for allocationID: String) -> ClaimWrite?
}

extension ClaimLedger {
    /// Claims without a fence: ``claim(_:for:)``.
    public func claim(_ resource: String, for allocationID: String, attempt: Int?) async throws -> ClaimOutcome {
        try await claim(resource, for: allocationID)
    }

    /// The claim on `resource`, found among every claim.
    public func claim(on resource: String) async throws -> ResourceClaim? {
        try await claims().first { $0.resource == resource }
    }

    /// None: every write commits at once.
    public func deferredWrite(_ change: ClaimWrite.Change, of resource: String, for allocationID: String)
        -> ClaimWrite?
    {
        nil
    }
}

/// A catalog (the pool's list of VMs) as last saved, with its generation.
public struct StoredCatalog: Sendable, Hashable {
    /// Increases by one with every save; replicas reload when they see a newer one.
    public var generation: Int64
    /// The catalog as the plugin encoded it (JSON text).
    public var payload: String

    /// Creates a stored catalog.
    public init(generation: Int64, payload: String) {
        self.generation = generation
        self.payload = payload
    }
}

/// Durable storage for a backend's catalog, shared by every Host replica using the same store.
///
/// ## Implementation requirements
/// - `save` bumps the generation atomically and commits before returning.
/// - `generation()` is cheap: the pool backend calls it before every allocation.
public protocol CatalogStore: Sendable {
    /// Saves `payload` as the new catalog.
    ///
    /// - Returns: The new generation.
    func save(_ payload: String) async throws -> Int64
    /// Saves `payload` as generation 1 unless a catalog exists, atomically.
    ///
    /// - Returns: The catalog as stored afterwards: `payload` at generation 1, or the one that
    ///   already existed.
    func seed(_ payload: String) async throws -> StoredCatalog
    /// The catalog as last saved, if one was.
    func load() async throws -> StoredCatalog?
    /// The generation of the catalog as last saved, if one was.
    func generation() async throws -> Int64?
}
