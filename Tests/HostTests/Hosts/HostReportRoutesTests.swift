import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ProvisionerAPI
import Testing

@testable import Host

struct HostReportRoutesTests {
    /// The golden fixture through the real route: 200, the envelope, the denormalised figures, and
    /// both guests stored.
    @Test(.timeLimit(.minutes(1)))
    func theGoldenFixtureIsStoredWithItsDenormalisedFigures() async throws {
        try await HostsHost.run { host, client in
            try await host.seedHost()
            let response = try await client.report(try HostsHost.fixture(), key: HostsHost.fixtureKey)
            #expect(response.status == .ok, "\(response.bodyText)")
            #expect(
                response.bodyText
                    == #"{"status":"ok","poll_interval_seconds":900,"blocked":false,"desired_generation":0,"has_signed_ops":false}"#
            )
            let report = try #require(try await host.store.hostReports(hostID: "fra1-0a1b2c3d", limit: 5).first)
            #expect(report.guestTotal == 2)
            #expect(report.guestRunning == 1)
            #expect(report.cloudflaredStatus == "active")
            #expect(report.cpuPercent == 12.5 && report.memPercent == 41.2 && report.diskPercent == 63)
            #expect(report.uptimeSeconds == 864_000 && report.hostname == "fra1.example.net")
            #expect(report.agentVersion == "provisioner-agent/1")
            #expect(abs(report.reportedAt.timeIntervalSince1970 - 1_795_773_600) < 0.001)
            let guests = try await host.store.guests(hostID: "fra1-0a1b2c3d")
            #expect(guests.map(\.guestID) == ["fra1-0a1b2c3d/101", "fra1-0a1b2c3d/102"])
            #expect(guests.map(\.status) == ["running", "stopped"])
            #expect(guests.first?.specJSON == #"{"disk_gib":20,"memory_mib":2048,"vcpus":2}"#)
            let listed = try await client.execute(uri: "/admin/hosts.json", method: .get, headers: host.adminAuth)
            let hosts = try #require(try listed.json()["hosts"] as? [[String: Any]])
            #expect(hosts.first?["health"] as? String == "ok")
            #expect(hosts.first?["guest_running"] as? Int == 1)
            #expect(hosts.first?["cloudflared_status"] as? String == "active")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func credentialsAreCheckedAndAnUnknownKeyWritesNothing() async throws {
        try await HostsHost.run { host, client in
            try await host.seedHost()
            try await host.seedHost("ams1-11111111", key: String(repeating: "cd", count: 32))
            let fixture = try HostsHost.fixture()
            var response = try await client.report(fixture, key: nil)
            #expect(response.status == .unauthorized)
            #expect(try response.errorCode() == "unauthorized")
            response = try await client.report(fixture, key: String(repeating: "00", count: 32))
            #expect(response.status == .forbidden)
            #expect(try response.errorCode() == "forbidden")
            // Another host's key: host_mismatch.
            response = try await client.report(fixture, key: String(repeating: "cd", count: 32))
            #expect(response.status == .forbidden)
            #expect(try response.errorCode() == "host_mismatch")
            #expect(try await host.store.hostReports(hostID: "fra1-0a1b2c3d", limit: 5).isEmpty)
            #expect(try await host.store.hostReports(hostID: "ams1-11111111", limit: 5).isEmpty)
            #expect(try await host.store.guests(hostID: "fra1-0a1b2c3d").isEmpty)
            #expect(try await host.store.host(id: "fra1-0a1b2c3d")?.lastReportAt == nil)
        }
    }

    @Test(
        .timeLimit(.minutes(1)),
        arguments: [
            (#"{"host_id":"fra1-0a1b2c3d""#, "not valid JSON"),
            ("[]", "must be a JSON object"),
            (
                HostsHost.report("fra1-0a1b2c3d").replacingOccurrences(
                    of: #""cpu_percent":1"#, with: #""cpu_percent":"high""#),
                "'host.cpu_percent' must be a number, not a string"
            ),
            (
                HostsHost.report("fra1-0a1b2c3d", guests: #"[{"vmid":true}]"#),
                "'guests[0].vmid' must be a string or an integer"
            ),
            (HostsHost.report("fra1-0a1b2c3d", guests: #"{"vmid":1}"#), "'guests' must be an array, not an object"),
            (
                HostsHost.report("fra1-0a1b2c3d").replacingOccurrences(of: "2026-11-27T10:00:00Z", with: "yesterday"),
                "'reported_at' must be an RFC 3339 timestamp"
            ),
            (
                HostsHost.report("fra1-0a1b2c3d").replacingOccurrences(
                    of: #","host":{"hostname":"h","cpu_percent":1}"#, with: ""), "'host' is required"
            ),
            (
                #"{"host_id":"fra1-0a1b2c3d","reported_at":"2026-11-27T10:00:00Z","agent_version":"t","host":{},"backups":{}}"#,
                "'backups' must be an array"
            ),
            (
                #"{"host_id":"fra1-0a1b2c3d","reported_at":"2026-11-27T10:00:00Z","agent_version":"t","host":{},"cloudflared":{"status":3}}"#,
                "'cloudflared.status' must be a string"
            ),
        ])
    func aBadReportIs400NamingTheFieldAndWritesNothing(_ body: String, _ message: String) async throws {
        try await HostsHost.run { host, client in
            try await host.seedHost()
            let response = try await client.report(body, key: HostsHost.fixtureKey)
            #expect(response.status == .badRequest)
            #expect(try response.errorCode() == "invalid_request")
            #expect(response.bodyText.contains(message), "\(response.bodyText)")
            #expect(try await host.store.hostReports(hostID: "fra1-0a1b2c3d", limit: 5).isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func unknownTopLevelFieldsAreIgnoredAndAbsentListsAreFine() async throws {
        try await HostsHost.run { host, client in
            try await host.seedHost()
            let body = HostsHost.report("fra1-0a1b2c3d").replacingOccurrences(
                of: #""agent_version":"t/1","#, with: #""agent_version":"t/1","future_field":{"x":[1,2]},"#)
            let response = try await client.report(body, key: HostsHost.fixtureKey)
            #expect(response.status == .ok, "\(response.bodyText)")
            #expect(try await host.store.hostReports(hostID: "fra1-0a1b2c3d", limit: 5).first?.guestTotal == 0)
        }
    }

    /// The global key reports for existing hosts only; a blocked host is accepted and told so.
    @Test(.timeLimit(.minutes(1)))
    func theGlobalKeyReportsForExistingHostsAndABlockedHostIsTold() async throws {
        let global = String(repeating: "9f", count: 32)
        try await HostsHost.run(globalKey: global) { host, client in
            try await host.seedHost()
            var response = try await client.report(HostsHost.report("nowhere-00000000"), key: global)
            #expect(response.status == .badRequest)
            #expect(response.bodyText.contains("no host 'nowhere-00000000'"))
            #expect(try await host.store.host(id: "nowhere-00000000") == nil)
            let blocked = try await client.execute(
                uri: "/admin/hosts/fra1-0a1b2c3d/block", method: .post, headers: host.adminAuth)
            #expect(blocked.status == .ok)
            #expect(try blocked.json()["blocked"] as? Bool == true)
            response = try await client.report(HostsHost.report("fra1-0a1b2c3d"), key: global)
            #expect(response.status == .ok)
            #expect(try response.json()["blocked"] as? Bool == true)
            response = try await client.report(HostsHost.report("fra1-0a1b2c3d"), key: HostsHost.fixtureKey)
            #expect(try response.json()["blocked"] as? Bool == true)
            #expect(try await host.store.hostReports(hostID: "fra1-0a1b2c3d", limit: 5).count == 2)
            // The blocked flag survived the reports.
            #expect(try await host.store.host(id: "fra1-0a1b2c3d")?.blocked == true)
        }
    }

    /// A guest the store refuses (a vmid too long for its column) is logged; the report and the
    /// other guest are stored.
    @Test(.timeLimit(.minutes(1)))
    func aGuestThatFailsToStoreDoesNotFailTheReport() async throws {
        try await HostsHost.run { host, client in
            try await host.seedHost()
            let long = String(repeating: "9", count: 200)
            let body = HostsHost.report(
                "fra1-0a1b2c3d", guests: #"[{"vmid":"\#(long)","status":"running"},{"vmid":7,"status":"running"}]"#)
            let response = try await client.report(body, key: HostsHost.fixtureKey)
            #expect(response.status == .ok, "\(response.bodyText)")
            #expect(try await host.store.guests(hostID: "fra1-0a1b2c3d").map(\.vmid) == ["7"])
            let report = try #require(try await host.store.hostReports(hostID: "fra1-0a1b2c3d", limit: 1).first)
            #expect(report.guestTotal == 2 && report.guestRunning == 2)
        }
    }

    /// Over `hosts.max_report_bytes`: 413, nothing stored. Over the wire (a declared length) and
    /// through the router (a streamed body, capped at limit + 1 bytes).
    @Test(.timeLimit(.minutes(1)), arguments: [TestingSetup.router, .live])
    func anOversizedReportIs413AndNeverTruncated(_ setup: TestingSetup) async throws {
        try await HostsHost.run(setup, configure: { $0.hosts.maxReportBytes = 1024 }) { host, client in
            try await host.seedHost()
            let padding = String(repeating: "x", count: 2000)
            let body = HostsHost.report("fra1-0a1b2c3d").replacingOccurrences(
                of: #""agent_version":"t/1","#, with: #""agent_version":"t/1","pad":"\#(padding)","#)
            let response = try await client.report(body, key: HostsHost.fixtureKey)
            #expect(response.status == .contentTooLarge)
            #expect(try response.errorCode() == "payload_too_large")
            #expect(try await host.store.hostReports(hostID: "fra1-0a1b2c3d", limit: 5).isEmpty)
            // Exactly at the limit is accepted.
            let fitting = HostsHost.report("fra1-0a1b2c3d").replacingOccurrences(
                of: #""agent_version":"t/1","#, with: #""agent_version":"t/1","pad":"","#)
            let exact = fitting.replacingOccurrences(
                of: #""pad":"""#, with: #""pad":"\#(String(repeating: "y", count: 1024 - fitting.utf8.count))""#)
            #expect(exact.utf8.count == 1024)
            #expect(try await client.report(exact, key: HostsHost.fixtureKey).status == .ok)
        }
    }

    @Test func theBodyReaderKeepsAtMostLimitPlusOneBytes() async throws {
        let request = Request(
            head: .init(method: .post, scheme: "http", authority: "x", path: "/v1/host-report"),
            body: .init(buffer: ByteBuffer(repeating: 0x41, count: 10_000)))
        await #expect(throws: ProvisionerError.self) {
            try await HostReportRoutes.readBody(request, limit: 100)
        }
        let small = Request(
            head: .init(method: .post, scheme: "http", authority: "x", path: "/v1/host-report"),
            body: .init(buffer: ByteBuffer(repeating: 0x41, count: 100)))
        #expect(try await HostReportRoutes.readBody(small, limit: 100).count == 100)
    }
}
