import Foundation
import Host
import Hummingbird
import HummingbirdTesting
import Logging
import SimulatedProvisioner
import Testing
import Yams

@Suite(.timeLimit(.minutes(1)))
struct OperationsRoutesTests {
    @Test func healthAndReadiness() async throws {
        try await TestHost.run { _, client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(try health.json()["status"] as? String == "ok")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(try ready.json()["status"] as? String == "ready")
        }
    }

    @Test func metricsAreServedInPrometheusFormat() async throws {
        try await TestHost.run { host, client in
            _ = try await client.post("/v1/vm", json: #"{"user_id":"u1","plan":"small"}"#, headers: host.serviceAuth)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.bodyText.contains("provisioner_orders_created_total"))
            #expect(metrics.bodyText.contains("# TYPE provisioner_http_responses_total counter"))
        }
    }

    @Test func openAPIDocumentIsServedAndCoversEveryRegisteredRoute() async throws {
        try await TestHost.run { _, client in
            let response = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            let document = try #require(try Yams.load(yaml: response.bodyText) as? [String: Any])
            #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
            let paths = try #require(document["paths"] as? [String: Any])
            var documented: Set<String> = []
            for (path, item) in paths {
                for method in (item as? [String: Any])?.keys ?? [:].keys {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            let router = buildRouter(TestHost.dependenciesForInspection())
            let registered = Set(router.routes.map { "\($0.method) \(OpenAPIPath.normalize("\($0.path)"))" })
            #expect(!registered.isEmpty)
            let missing = registered.subtracting(documented)
            #expect(missing.isEmpty, "routes missing from openapi.yaml: \(missing.sorted())")
        }
    }
}

/// Turns a router path (`/v1/vm/:id` or `/v1/vm/{id}`) into OpenAPI's template form.
enum OpenAPIPath {
    static func normalize(_ path: String) -> String {
        let components = path.split(separator: "/", omittingEmptySubsequences: false).map { component -> String in
            if component.hasPrefix(":") { return "{\(component.dropFirst())}" }
            return String(component)
        }
        let joined = components.joined(separator: "/")
        return joined.hasPrefix("/") ? joined : "/" + joined
    }
}

extension TestHost {
    /// Dependencies good enough to build a router and list its routes.
    static func dependenciesForInspection() -> HostDependencies {
        HostDependencies(
            configuration: HostConfiguration(), store: try! SQLiteStore(path: ":memory:"),
            backend: SimulatedProvisioner(), serviceToken: serviceToken, adminSecret: adminSecret,
            logger: .init(label: "inspect"))
    }
}
