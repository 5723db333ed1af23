public import Foundation

/// Where hosts, their guests and their reports live (DESIGN.md section 10); part of every
/// ``Store``, so SQLite and PostgreSQL pass one shared test suite for it too.
///
/// Every method commits before returning; each is one transaction.
public protocol HostStore: Sendable {
    /// Stores a newly minted host; `false` when its id or key hash is taken (nothing written).
    @discardableResult
    func insertHost(_ host: HostRecord, audit: AuditEvent) async throws -> Bool
    /// One host, if known.
    func host(id: String) async throws -> HostRecord?
    /// The host whose API key hashes to `keyHash`, if any.
    func host(keyHash: String) async throws -> HostRecord?
    /// Every host, ordered by id, with its last report's figures.
    func hosts() async throws -> [HostRecord]
    /// Sets the operator's `blocked` flag, with an audit event; `false` when no such host.
    func setHostBlocked(id: String, blocked: Bool, now: Date, audit: AuditEvent) async throws -> Bool

    /// Stores one report and moves the host's reality columns (`agent_version`, `hostname`,
    /// `last_report_at`) to it, never an operator column.
    ///
    /// - Returns: The stored report (with its id), or `nil` when no such host (nothing written).
    func recordHostReport(_ report: HostReportSummary, body: String) async throws -> HostReportSummary?
    /// Creates or replaces one guest row (a guest that fails to store fails alone).
    func upsertGuest(_ guest: GuestRecord) async throws
    /// Removes the guests of `hostID` whose vmid is not in `keeping` (they left the host); returns
    /// how many were removed.
    func removeGuests(hostID: String, keeping: Set<String>) async throws -> Int
    /// The guests of a host, ordered by vmid.
    func guests(hostID: String) async throws -> [GuestRecord]
    /// The newest reports of a host, newest first, at most `limit`.
    func hostReports(hostID: String, limit: Int) async throws -> [HostReportSummary]

    /// Moves the host's announced health from `from` to `to` and writes `events` in the same
    /// transaction, only if it still reads `from` (a compare-and-set): of any number of checkers
    /// (replicas) racing on one transition, exactly one gets `true`.
    func transitionHostHealth(id: String, from: HostHealth, to: HostHealth, at: Date, events: [LifecycleEvent])
        async throws -> Bool
    /// Deletes the host reports received before `before`; returns how many.
    func pruneHostReports(receivedBefore before: Date) async throws -> Int
}
