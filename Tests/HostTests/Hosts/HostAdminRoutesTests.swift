import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import Host

struct HostAdminRoutesTests {
    @Test func theKeyHashIsSHA256InLowercaseHex() {
        #expect(HostKey.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test(.timeLimit(.minutes(1)))
    func mintingShowsTheKeyOnceAndStoresItsSHA256() async throws {
        try await HostsHost.run { host, client in
            let response = try await client.post(
                "/admin/hosts", json: #"{"label":"fra1","owner":"ops"}"#, headers: host.adminAuth)
            #expect(response.status == .created)
            #expect(response.headers[.cacheControl] == "no-store")
            let body = try response.json()
            let hostID = try #require(body["host_id"] as? String)
            let key = try #require(body["api_key"] as? String)
            #expect(hostID.wholeMatch(of: /fra1-[0-9a-f]{8}/) != nil)
            #expect(key.wholeMatch(of: /[0-9a-f]{64}/) != nil)
            let sha = HostKey.hash(key)
            let stored = try #require(try await host.store.host(keyHash: sha))
            #expect(stored.hostID == hostID && stored.label == "fra1" && stored.owner == "ops")
            #expect(stored.keyHash != key)
            // The key works for its host; the list never shows it.
            #expect(try await client.report(HostsHost.report(hostID), key: key).status == .ok)
            let list = try await client.execute(uri: "/admin/hosts.json", method: .get, headers: host.adminAuth)
            #expect(!list.bodyText.contains(key) && !list.bodyText.contains(sha))
            let second = try await client.post("/admin/hosts", json: #"{"label":"fra1"}"#, headers: host.adminAuth)
            #expect(try second.json()["host_id"] as? String != hostID)
        }
    }

    @Test(
        .timeLimit(.minutes(1)),
        arguments: [
            (#"{}"#, "'label' is required"), (#"{"label":"Fra 1"}"#, "'label' must be 1-40 lowercase"),
            (#"{"label":"fra1","colour":"red"}"#, "Unknown field 'colour'"),
            (#"{"label":7}"#, "'label' must be a string"),
        ])
    func aBadMintIs400AndMintsNothing(_ body: String, _ message: String) async throws {
        try await HostsHost.run { host, client in
            let response = try await client.post("/admin/hosts", json: body, headers: host.adminAuth)
            #expect(response.status == .badRequest)
            #expect(response.bodyText.contains(message), "\(response.bodyText)")
            #expect(try await host.store.hosts().isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theRoutesNeedTheAdminSecret() async throws {
        try await HostsHost.run { host, client in
            let routes: [(String, HTTPRequest.Method)] = [
                ("/admin/hosts", .post), ("/admin/hosts", .get), ("/admin/hosts.json", .get),
                ("/admin/hosts/x/block", .post), ("/admin/hosts/x/unblock", .post),
            ]
            for (uri, method) in routes {
                let none = try await client.execute(uri: uri, method: method, body: ByteBuffer(string: "{}"))
                #expect(none.status == .unauthorized, "\(method) \(uri)")
                let wrong = try await client.execute(
                    uri: uri, method: method, headers: host.serviceAuth, body: ByteBuffer(string: "{}"))
                #expect(wrong.status == .forbidden, "\(method) \(uri)")
                #expect(try wrong.errorCode() == "forbidden")
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func thePageListsHostsWithHealthAndBlockingAnUnknownHostIs404() async throws {
        try await HostsHost.run { host, client in
            try await host.seedHost()
            try await host.seedHost("quiet-22222222", key: String(repeating: "ee", count: 32))
            #expect(try await client.report(try HostsHost.fixture(), key: HostsHost.fixtureKey).status == .ok)
            host.clock.advance(by: 31)
            let page = try await client.execute(uri: "/admin/hosts", method: .get, headers: host.adminAuth)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            for text in [
                "fra1-0a1b2c3d", "quiet-22222222", "title=\"stale\"", "title=\"never_reported\"", "1/2", "12.5%",
                "active",
            ] {
                #expect(page.bodyText.contains(text), "\(text)")
            }
            let json = try await client.execute(uri: "/admin/hosts.json", method: .get, headers: host.adminAuth)
            let hosts = try #require(try json.json()["hosts"] as? [[String: Any]])
            #expect(hosts.map { $0["health"] as? String } == ["stale", "never_reported"])
            #expect(hosts.first?["guest_total"] as? Int == 2 && hosts.first?["cpu_percent"] as? Double == 12.5)
            #expect(hosts.first?["last_report_at"] is String && hosts.last?["last_report_at"] is NSNull)
            let missing = try await client.execute(
                uri: "/admin/hosts/nobody-00000000/block", method: .post, headers: host.adminAuth)
            #expect(missing.status == .notFound)
            #expect(try missing.errorCode() == "not_found")
            let audit = try await host.store.auditEvents(matching: .init(kind: "host.blocked"), limit: 5, beforeID: nil)
            #expect(audit.isEmpty)
        }
    }
}
