import Foundation
import Host
import ProvisionerAPI
import Testing

/// Hosts, guests and host reports: the shared store suite, against every store.
struct StoreHostsTests {
    static func host(_ id: String = "fra1-0a1b2c3d", key: String = "key-1", now: Date = Date()) -> HostRecord {
        HostRecord(hostID: id, label: "fra1", owner: "ops", labels: ["rack": "r1"], keyHash: key, now: now)
    }

    static func audit(_ kind: String) -> AuditEvent {
        AuditEvent(at: Date(), kind: kind, allocationID: nil, userID: nil, actor: "test", requestID: nil)
    }

    static func report(_ hostID: String, at: Date, guests: Int = 2, running: Int = 1) -> HostReportSummary {
        HostReportSummary(
            hostID: hostID, receivedAt: at, reportedAt: at, agentVersion: "agent/2", hostname: "fra1.example",
            cpuPercent: 12.5, memPercent: 40, diskPercent: 63, uptimeSeconds: 100, guestTotal: guests,
            guestRunning: running, cloudflaredStatus: "active")
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aHostIsMintedOnceAndFoundByIdAndKeyHash(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            #expect(try await store.insertHost(Self.host(), audit: Self.audit("host.minted")))
            #expect(!(try await store.insertHost(Self.host(), audit: Self.audit("host.minted"))))
            #expect(!(try await store.insertHost(Self.host("other-00000000"), audit: Self.audit("host.minted"))))
            let found = try #require(try await store.host(id: "fra1-0a1b2c3d"))
            #expect(found.label == "fra1" && found.owner == "ops" && found.labels == ["rack": "r1"])
            #expect(found.announcedHealth == .neverReported && found.lastReportAt == nil && found.lastReport == nil)
            #expect(try await store.host(keyHash: "key-1")?.hostID == "fra1-0a1b2c3d")
            #expect(try await store.host(keyHash: "key-2") == nil)
            #expect(try await store.hosts().map(\.hostID) == ["fra1-0a1b2c3d"])
            let audit = try await store.auditEvents(matching: .init(kind: "host.minted"), limit: 10, beforeID: nil)
            #expect(audit.count == 1)
        }
    }

    /// A report writes the reality columns only: label, owner, labels, blocked and the desired
    /// state set by an operator survive it.
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aReportWritesRealityColumnsAndPreservesOperatorColumns(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let minted = Date(timeIntervalSince1970: 1_800_000_000)
            try await store.insertHost(Self.host(now: minted), audit: Self.audit("host.minted"))
            #expect(
                try await store.setHostBlocked(
                    id: "fra1-0a1b2c3d", blocked: true, now: minted, audit: Self.audit("host.blocked")))
            let before = try #require(try await store.host(id: "fra1-0a1b2c3d"))
            let at = minted.addingTimeInterval(60)
            let stored = try #require(
                try await store.recordHostReport(Self.report("fra1-0a1b2c3d", at: at), body: "{}"))
            #expect(stored.id != nil)
            let after = try #require(try await store.host(id: "fra1-0a1b2c3d"))
            // Operator columns: unchanged.
            #expect(after.label == before.label && after.owner == before.owner && after.labels == before.labels)
            #expect(after.blocked && after.keyHash == before.keyHash && after.desiredJSON == before.desiredJSON)
            #expect(after.desiredGeneration == before.desiredGeneration && after.updatedAt == before.updatedAt)
            #expect(after.announcedHealth == .neverReported)
            // Reality columns: the report's.
            #expect(after.agentVersion == "agent/2" && after.hostname == "fra1.example")
            #expect(after.lastReportAt.map { abs($0.timeIntervalSince(at)) < 0.001 } == true)
            let summary = try #require(after.lastReport)
            #expect(summary.guestTotal == 2 && summary.guestRunning == 1 && summary.cloudflaredStatus == "active")
            #expect(summary.cpuPercent == 12.5 && summary.memPercent == 40 && summary.uptimeSeconds == 100)
            #expect(try await store.recordHostReport(Self.report("nobody-00000000", at: at), body: "{}") == nil)
            #expect(try await store.hostReports(hostID: "fra1-0a1b2c3d", limit: 10).count == 1)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func guestsAreUpsertedRemovedAndAFailingOneFailsAlone(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.insertHost(Self.host(), audit: Self.audit("host.minted"))
            let now = Date()
            func guest(_ vmid: String, _ status: String) -> GuestRecord {
                GuestRecord(
                    hostID: "fra1-0a1b2c3d", vmid: vmid, name: "g\(vmid)", status: status, controllerVersion: "1",
                    specJSON: "{\"vcpus\":1}", updatedAt: now)
            }
            try await store.upsertGuest(guest("101", "running"))
            try await store.upsertGuest(guest("102", "stopped"))
            try await store.upsertGuest(guest("101", "stopped"))
            await #expect(throws: (any Error).self) {
                try await store.upsertGuest(guest(String(repeating: "9", count: 200), "running"))
            }
            var guests = try await store.guests(hostID: "fra1-0a1b2c3d")
            #expect(guests.map(\.guestID) == ["fra1-0a1b2c3d/101", "fra1-0a1b2c3d/102"])
            #expect(guests.map(\.status) == ["stopped", "stopped"])
            #expect(guests.first?.specJSON == "{\"vcpus\":1}")
            #expect(try await store.removeGuests(hostID: "fra1-0a1b2c3d", keeping: ["102"]) == 1)
            guests = try await store.guests(hostID: "fra1-0a1b2c3d")
            #expect(guests.map(\.vmid) == ["102"])
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aHealthTransitionIsACompareAndSetWithItsEvents(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.insertHost(Self.host(), audit: Self.audit("host.minted"))
            let event = LifecycleEvent(
                at: Date(), kind: "host_stale", allocationID: nil, backend: "simulated", hostID: "fra1-0a1b2c3d")
            #expect(
                !(try await store.transitionHostHealth(
                    id: "fra1-0a1b2c3d", from: .ok, to: .stale, at: Date(), events: [event])))
            #expect(
                try await store.transitionHostHealth(
                    id: "fra1-0a1b2c3d", from: .neverReported, to: .stale, at: Date(), events: [event]))
            #expect(
                !(try await store.transitionHostHealth(
                    id: "fra1-0a1b2c3d", from: .neverReported, to: .stale, at: Date(), events: [event])))
            #expect(try await store.host(id: "fra1-0a1b2c3d")?.announcedHealth == .stale)
            let events = try await store.lifecycleEvents(
                matching: .init(hostID: "fra1-0a1b2c3d"), limit: 10, beforeID: nil)
            #expect(events.map(\.kind) == ["host_stale"])
            #expect(events.first?.hostID == "fra1-0a1b2c3d")
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func reportsOlderThanTheCutoffArePruned(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.insertHost(Self.host(), audit: Self.audit("host.minted"))
            let now = Date()
            for age in [40, 31, 29, 1] {
                let at = now.addingTimeInterval(-Double(age) * 86_400)
                _ = try await store.recordHostReport(Self.report("fra1-0a1b2c3d", at: at), body: "{}")
            }
            #expect(try await store.pruneHostReports(receivedBefore: now.addingTimeInterval(-30 * 86_400)) == 2)
            #expect(try await store.hostReports(hostID: "fra1-0a1b2c3d", limit: 10).count == 2)
            // The host keeps its last report.
            #expect(try await store.host(id: "fra1-0a1b2c3d")?.lastReport != nil)
        }
    }
}
