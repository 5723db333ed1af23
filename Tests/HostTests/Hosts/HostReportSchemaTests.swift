import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import Yams

@testable import Host

/// The OpenAPI document describes the report body: the golden fixture validates against it, and
/// the route's replies against theirs.
struct HostReportSchemaTests {
    static func document() throws -> [String: Any] {
        let text = try String(
            contentsOf: packageRoot.appendingPathComponent("Sources/Host/Resources/openapi.yaml"), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    static func schema(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }

    static func json(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test func theGoldenFixtureValidatesAgainstTheHostReportSchema() throws {
        let validator = JSONSchemaValidator(document: try Self.document())
        let fixture = try Self.json(try HostsHost.fixture())
        #expect(validator.violations(of: fixture, against: Self.schema("HostReport")) == [])
        guard case .array(let guests)? = fixture["guests"] else { throw TestFailure("no guests") }
        #expect(guests.count == 2)
    }

    /// The validator can fail: a fixture with a wrong type, or without a required field, does not
    /// validate.
    @Test func aBrokenReportDoesNotValidate() throws {
        let validator = JSONSchemaValidator(document: try Self.document())
        let broken = try HostsHost.fixture()
            .replacingOccurrences(of: #""cpu_percent": 12.5"#, with: #""cpu_percent": "high""#)
            .replacingOccurrences(of: #""agent_version": "provisioner-agent/1","#, with: "")
            .replacingOccurrences(of: #""vmid": 101,"#, with: "")
        let report = try Self.json(broken)
        let problems = validator.violations(of: report, against: Self.schema("HostReport"))
        #expect(problems.contains("$.host.cpu_percent: expected number or null, found string"))
        #expect(problems.contains("$.agent_version: required"))
        #expect(problems.contains("$.guests[0].vmid: required"))
        #expect(problems.count == 3, "\(problems)")
    }

    @Test(.timeLimit(.minutes(1)))
    func theRoutesAnswerAsTheirSchemasSay() async throws {
        try await HostsHost.run { host, client in
            let validator = JSONSchemaValidator(document: try Self.document())
            let minted = try await client.post("/admin/hosts", json: #"{"label":"fra1"}"#, headers: host.adminAuth)
            #expect(validator.violations(of: try Self.json(minted.bodyText), against: Self.schema("MintedHost")) == [])
            try await host.seedHost()
            let reply = try await client.report(try HostsHost.fixture(), key: HostsHost.fixtureKey)
            #expect(
                validator.violations(of: try Self.json(reply.bodyText), against: Self.schema("HostReportReply")) == [])
            let list = try await client.execute(uri: "/admin/hosts.json", method: .get, headers: host.adminAuth)
            #expect(validator.violations(of: try Self.json(list.bodyText), against: Self.schema("HostList")) == [])
        }
    }
}
