import Foundation
import Host
import ProvisionerAPI

/// The stores every shared store test body runs against (GRDB's "one test, several writers").
enum StoreKind: String, Sendable, CaseIterable, CustomStringConvertible {
    /// `SQLiteStore(path: ":memory:")`: a private in-memory `DatabaseQueue`.
    case memory
    /// `SQLiteStore(path:)` on a file in a fresh temporary directory: a WAL `DatabasePool`.
    case disk
    /// `PostgresStore` on a fresh database of the throwaway server `scripts/with-postgres` starts.
    case postgres

    var description: String { rawValue }
}

/// Runs `body` with a fresh temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("provisioner-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// Creates and migrates a store of `kind`, runs `body`, then closes it and removes its files or
/// its database.
func withStore<T: Sendable>(_ kind: StoreKind, _ body: (any Store) async throws -> T) async throws -> T {
    switch kind {
    case .memory:
        return try await withMigratedStore(try SQLiteStore(path: ":memory:"), body)
    case .disk:
        return try await withMigratedDiskStore(body)
    case .postgres:
        return try await TestPostgres.withDatabase { url in
            try await withMigratedStore(try TestPostgres.store(url: url), body)
        }
    }
}

/// Creates and migrates a SQLite store on a file in a fresh temporary directory (a WAL
/// `DatabasePool`), runs `body`, then closes it and removes its files.
func withMigratedDiskStore<T: Sendable>(_ body: (SQLiteStore) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        let store = try SQLiteStore(path: directory.appendingPathComponent("data/provisioner.sqlite").path)
        return try await withMigratedStore(store, body)
    }
}

/// Runs `store` (its pool, if it has one), migrates it, runs `body`, and closes it.
func withMigratedStore<S: Store, T: Sendable>(_ store: S, _ body: (S) async throws -> T) async throws -> T {
    try await withRunningStore(store) {
        do {
            try await store.migrate()
            let result = try await body(store)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }
}

/// Records and events for store tests.
enum StoreFixture {
    static let paidPlan = PlanSpec(name: "small", priceCents: 500)
    static let freePlan = PlanSpec(name: "trial", priceCents: 0)

    /// A new order: `payment_required` for a paid plan, `paid` (workable) for a free one.
    static func order(
        id: String = "vm-" + UUID().uuidString.lowercased(), user: String = "user-1", paid: Bool = true,
        idempotencyKey: String? = nil, fingerprint: String? = nil, createdAt: Date = Date()
    ) -> AllocationRecord {
        AllocationRecord(
            id: id, userID: user, plan: paid ? paidPlan : freePlan, backend: "simulated", isDemo: true,
            hostname: nil, sshKeys: [], openPorts: [], metadata: [:], idempotencyKey: idempotencyKey,
            requestFingerprint: fingerprint, now: createdAt)
    }

    static func audit(_ kind: String, _ record: AllocationRecord) -> AuditEvent {
        AuditEvent(
            at: Date(), kind: kind, allocationID: record.id, userID: record.userID, actor: "test", requestID: nil)
    }

    /// Inserts `record` with no cap and returns it as stored.
    @discardableResult
    static func insert(_ record: AllocationRecord, into store: some Store) async throws -> AllocationRecord {
        guard
            case .created(let created) = try await store.insertOrder(
                record, maxActivePaid: 0, audit: audit("order.created", record))
        else { throw StoreFixtureError("order \(record.id) was not created") }
        return created
    }

    /// Applies `change` from `from`, or throws when it did not apply.
    @discardableResult
    static func move(
        _ id: String, from: Set<LaunchProofStatus>, _ change: AllocationChange, journal: JournalMutation? = nil,
        in store: some Store
    ) async throws -> AllocationRecord {
        let outcome = try await store.transition(id: id, from: from, change: change, journal: journal, audit: [])
        guard case .applied(let updated) = outcome else {
            throw StoreFixtureError("transition of \(id) did not apply: \(outcome)")
        }
        return updated
    }
}

struct StoreFixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension AllocationRecord {
    /// Equal apart from dates differing by less than a millisecond: the store keeps dates as REAL
    /// seconds since 1970, so a read-back date may differ from the in-memory one in its last bits.
    func matches(_ other: AllocationRecord?) -> Bool {
        guard let other else { return false }
        func close(_ a: Date?, _ b: Date?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case (let a?, let b?): abs(a.timeIntervalSince(b)) < 0.001
            default: false
            }
        }
        let dates: [KeyPath<AllocationRecord, Date?>] = [
            \.dnsCheckedAt, \.sshCheckedAt, \.leaseExpiresAt, \.provisionedAt, \.releasedAt, \.deletedAt,
        ]
        guard dates.allSatisfy({ close(self[keyPath: $0], other[keyPath: $0]) }),
            close(createdAt, other.createdAt), close(updatedAt, other.updatedAt)
        else { return false }
        var normalized = other
        normalized.dnsCheckedAt = dnsCheckedAt
        normalized.sshCheckedAt = sshCheckedAt
        normalized.leaseExpiresAt = leaseExpiresAt
        normalized.provisionedAt = provisionedAt
        normalized.releasedAt = releasedAt
        normalized.deletedAt = deletedAt
        normalized.createdAt = createdAt
        normalized.updatedAt = updatedAt
        return self == normalized
    }
}

extension InsertOrderOutcome {
    /// Equal, comparing records with ``AllocationRecord/matches(_:)``.
    func matches(_ other: InsertOrderOutcome) -> Bool {
        switch (self, other) {
        case (.created(let a), .created(let b)), (.replayed(let a), .replayed(let b)): a.matches(b)
        default: self == other
        }
    }
}

extension TransitionOutcome {
    /// Equal, comparing records with ``AllocationRecord/matches(_:)``.
    func matches(_ other: TransitionOutcome) -> Bool {
        switch (self, other) {
        case (.applied(let a), .applied(let b)), (.stateConflict(let a), .stateConflict(let b)): a.matches(b)
        default: self == other
        }
    }
}
