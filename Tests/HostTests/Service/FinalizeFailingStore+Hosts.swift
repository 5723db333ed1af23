import Foundation
import Host

/// Hosts, guests and reports go straight to the real store.
extension FinalizeFailingStore {
    func insertHost(_ host: HostRecord, audit: AuditEvent) async throws -> Bool {
        try await base.insertHost(host, audit: audit)
    }
    func host(id: String) async throws -> HostRecord? { try await base.host(id: id) }
    func host(keyHash: String) async throws -> HostRecord? { try await base.host(keyHash: keyHash) }
    func hosts() async throws -> [HostRecord] { try await base.hosts() }
    func setHostBlocked(id: String, blocked: Bool, now: Date, audit: AuditEvent) async throws -> Bool {
        try await base.setHostBlocked(id: id, blocked: blocked, now: now, audit: audit)
    }
    func recordHostReport(_ report: HostReportSummary, body: String) async throws -> HostReportSummary? {
        try await base.recordHostReport(report, body: body)
    }
    func upsertGuest(_ guest: GuestRecord) async throws { try await base.upsertGuest(guest) }
    func removeGuests(hostID: String, keeping: Set<String>) async throws -> Int {
        try await base.removeGuests(hostID: hostID, keeping: keeping)
    }
    func guests(hostID: String) async throws -> [GuestRecord] { try await base.guests(hostID: hostID) }
    func hostReports(hostID: String, limit: Int) async throws -> [HostReportSummary] {
        try await base.hostReports(hostID: hostID, limit: limit)
    }
    func transitionHostHealth(id: String, from: HostHealth, to: HostHealth, at: Date, events: [LifecycleEvent])
        async throws -> Bool
    {
        try await base.transitionHostHealth(id: id, from: from, to: to, at: at, events: events)
    }
    func pruneHostReports(receivedBefore before: Date) async throws -> Int {
        try await base.pruneHostReports(receivedBefore: before)
    }
}
