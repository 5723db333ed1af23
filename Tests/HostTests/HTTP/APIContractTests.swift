import Foundation
import HTTPTypes
import Host
import Hummingbird
import HummingbirdTesting
import Testing

/// What schemathesis found the server and its document disagreeing on, pinned down.
@Suite(.timeLimit(.minutes(1)))
struct APIContractTests {
    @Test(arguments: ["", String(repeating: "a", count: 129)])
    func anXRequestIDOutsideOneTo128CharactersIsRefused(id: String) async throws {
        try await TestHost.run { host, client in
            let response = try await client.execute(
                uri: "/healthz", method: .get, headers: [HTTPField.Name("X-Request-ID")!: id])
            #expect(response.status == .badRequest)
            #expect(try response.errorCode() == "invalid_request")
            let ok = try await client.execute(
                uri: "/healthz", method: .get,
                headers: [HTTPField.Name("X-Request-ID")!: String(repeating: "a", count: 128)])
            #expect(ok.status == .ok)
        }
    }

    @Test func anUndeclaredMethodIs405WithAllow() async throws {
        try await TestHost.run { host, client in
            for (uri, method, allow) in [
                ("/healthz", HTTPRequest.Method.trace, "GET"), ("/v1/vm", .get, "POST"),
                ("/v1/vm/vm-x", .put, "DELETE, GET"), ("/admin/allocations", HTTPRequest.Method("QUERY")!, "GET"),
            ] {
                let response = try await client.execute(uri: uri, method: method, headers: host.serviceAuth)
                #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                #expect(try response.errorCode() == "method_not_allowed")
            }
            let unknown = try await client.execute(uri: "/no/such/route", method: .trace)
            #expect(unknown.status == .notFound)
        }
    }

    @Test func userPathParametersArePercentDecodedAndHeldToTheRule() async throws {
        try await TestHost.run { host, client in
            let ok = try await client.execute(
                uri: "/v1/users/ann%40example/vms", method: .get, headers: host.serviceAuth)
            #expect(ok.status == .ok)
            let bad = try await client.execute(uri: "/v1/users/%20ann/vms", method: .get, headers: host.serviceAuth)
            #expect(bad.status == .badRequest)
            #expect(try bad.errorCode() == "invalid_request")
        }
    }

    @Test(arguments: ["limit=", "limit=5&limit=6", "colour=red"])
    func adminListsRefuseUnknownRepeatedOrEmptyIntegerParameters(query: String) async throws {
        try await TestHost.run { host, client in
            for path in ["/admin/allocations.json", "/admin/audit.json", "/admin/events.json"] {
                let response = try await client.execute(uri: "\(path)?\(query)", method: .get, headers: host.adminAuth)
                #expect(response.status == .badRequest, "\(path)?\(query)")
            }
        }
    }

    @Test func theServedDocumentListsTheConfiguredPlansAndBlockedPorts() async throws {
        try await TestHost.run(configure: { $0.limits.blockedPorts = [2525] }) { _, client in
            let yaml = try await client.execute(uri: "/openapi.yaml", method: .get).bodyText
            let plans = HostConfiguration.hermeticForTests().plans.keys.sorted().map { "'\($0)'" }
            #expect(yaml.contains("enum: [\(plans.joined(separator: ", "))]"))
            #expect(yaml.contains("not: { enum: [2525] }"))
        }
    }
}
