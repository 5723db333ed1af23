import Foundation
public import Logging
public import ProvisionerAPI

/// The Host's ``ClaimLedger``: claims live in the store, scoped to one backend's namespace, where
/// unique keys make a resource held by at most one allocation across processes and replicas.
/// State changes a plugin makes are audited (`<namespace>.vm_<state>`, `<namespace>.vm_freed`, see
/// ``EventRegistry``) in the same commit; when that commit fails, the lost event is logged at
/// `warning` and the error is thrown to the plugin.
public struct StoreClaimLedger: ClaimLedger {
    public let store: any Store
    public let namespace: String
    /// Where a claim change whose audit event could not be stored is reported.
    public let logger: Logger

    public init(store: any Store, namespace: String, logger: Logger = Logger(label: "provisioner.claims")) {
        self.store = store
        self.namespace = namespace
        self.logger = logger
    }

    public func claim(_ resource: String, for allocationID: String) async throws -> ClaimOutcome {
        try await store.claimResource(namespace: namespace, resource: resource, allocationID: allocationID, now: Date())
    }

    public func claim(_ resource: String, for allocationID: String, attempt: Int?) async throws -> ClaimOutcome {
        guard let attempt else { return try await claim(resource, for: allocationID) }
        guard
            let outcome = try await store.claimResource(
                namespace: namespace, resource: resource, allocationID: allocationID, attempt: attempt, now: Date())
        else {
            throw ProvisionerError(
                code: .leaseLost, isRetryable: true, customerMessage: "The VM is being worked on elsewhere.",
                operatorDetail: "attempt \(attempt) of \(allocationID) is no longer current; \(resource) not claimed")
        }
        return outcome
    }

    public func claim(of allocationID: String) async throws -> ResourceClaim? {
        try await store.resourceClaim(namespace: namespace, allocationID: allocationID)
    }

    public func claim(on resource: String) async throws -> ResourceClaim? {
        try await store.resourceClaim(namespace: namespace, resource: resource)
    }

    public func setState(_ state: ClaimState, of resource: String, for allocationID: String, note: String?)
        async throws -> Bool
    {
        let now = Date()
        let event = audit(
            EventKind.claimStateName(namespace: namespace, state: state), resource: resource,
            allocationID: allocationID, note: note, at: now)
        return try await logging(event) {
            try await store.setClaimState(
                namespace: namespace, resource: resource, allocationID: allocationID, state: state, note: note,
                now: now, audit: [event])
        }
    }

    public func release(_ resource: String, for allocationID: String) async throws -> Bool {
        let event = audit(
            EventKind.claimFreedName(namespace: namespace), resource: resource, allocationID: allocationID, note: nil,
            at: Date())
        return try await logging(event) {
            try await store.releaseClaim(
                namespace: namespace, resource: resource, allocationID: allocationID, audit: [event])
        }
    }

    public func claims() async throws -> [ResourceClaim] {
        try await store.resourceClaims(namespace: namespace)
    }

    /// A write in this ledger's namespace, committed by ``Store/transition(id:from:change:journal:audit:events:fence:claims:)``
    /// with its audit event.
    public func deferredWrite(_ change: ClaimWrite.Change, of resource: String, for allocationID: String)
        -> ClaimWrite?
    {
        ClaimWrite(scope: namespace, resource: resource, allocationID: allocationID, change: change)
    }

    private func audit(_ kind: String, resource: String, allocationID: String, note: String?, at: Date) -> AuditEvent {
        Self.audit(kind, namespace: namespace, resource: resource, allocationID: allocationID, note: note, at: at)
    }

    /// The audit event of a claim change in `namespace` (the same for a write committed here and
    /// one a transition commits).
    static func audit(
        _ kind: String, namespace: String, resource: String, allocationID: String, note: String?, at: Date
    ) -> AuditEvent {
        var detail = "\(namespace) VM \(resource)"
        if let note { detail += ": \(note)" }
        return AuditEvent(
            at: at, kind: kind, allocationID: allocationID, userID: nil, actor: "backend:\(namespace)",
            requestID: nil, detail: detail)
    }

    /// Runs a claim write that carries `event`; when it fails, logs the lost event and rethrows.
    private func logging<T>(_ event: AuditEvent, _ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch {
            logger.eventsNotRecorded(audit: [event], error: error)
            throw error
        }
    }
}

/// The Host's ``CatalogStore``: one backend's catalog in the store, shared by every replica.
public struct StoreCatalogStore: CatalogPartStore {
    public let store: any Store
    public let namespace: String

    public init(store: any Store, namespace: String) {
        self.store = store
        self.namespace = namespace
    }

    public func save(_ payload: String) async throws -> Int64 {
        try await store.saveCatalog(namespace: namespace, payload: payload, now: Date())
    }

    public func seed(_ payload: String) async throws -> StoredCatalog {
        try await store.seedCatalog(namespace: namespace, payload: payload, now: Date())
    }

    public func load() async throws -> StoredCatalog? { try await store.catalog(namespace: namespace) }

    public func generation() async throws -> Int64? { try await store.catalogGeneration(namespace: namespace) }

    public func writeParts(_ payloads: [String]) async throws -> [Int64] {
        try await store.writeCatalogParts(namespace: namespace, payloads: payloads)
    }

    public func writeParts(bytes parts: [[UInt8]]) async throws -> [Int64] {
        try await store.writeCatalogParts(namespace: namespace, bytes: parts)
    }

    public func publish(parts: [Int64], seed: Bool) async throws -> CatalogPublishOutcome {
        try await store.publishCatalog(namespace: namespace, parts: parts, seed: seed, now: Date())
    }

    public func loadParts() async throws -> StoredCatalogParts? { try await store.catalogParts(namespace: namespace) }
}

/// The ledger `check-config` hands plugins: it opens no store, so any use fails loudly.
struct UnopenedClaimLedger: ClaimLedger, CatalogStore {
    private func unavailable() -> ProvisionerError {
        .backendUnavailable("check-config does not open the store; claims are unavailable")
    }
    func claim(_ resource: String, for allocationID: String) async throws -> ClaimOutcome { throw unavailable() }
    func claim(of allocationID: String) async throws -> ResourceClaim? { throw unavailable() }
    func claim(on resource: String) async throws -> ResourceClaim? { throw unavailable() }
    func setState(_ state: ClaimState, of resource: String, for allocationID: String, note: String?) async throws
        -> Bool
    { throw unavailable() }
    func release(_ resource: String, for allocationID: String) async throws -> Bool { throw unavailable() }
    func claims() async throws -> [ResourceClaim] { throw unavailable() }
    func save(_ payload: String) async throws -> Int64 { throw unavailable() }
    func seed(_ payload: String) async throws -> StoredCatalog { throw unavailable() }
    func load() async throws -> StoredCatalog? { throw unavailable() }
    func generation() async throws -> Int64? { throw unavailable() }
}
