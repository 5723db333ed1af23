import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ProvisionerAPI

/// Liveness, readiness, metrics and the OpenAPI document: open to anyone, never detailed.
struct OperationsRoutes {
    let store: any Store
    let backend: any Provisioner
    let metrics: ServiceMetrics
    /// The document as served: `OpenAPIDocument.served(for:)` of this Host's configuration.
    let served: String

    func register(on router: Router<ProvisionerRequestContext>) {
        router.get("/healthz") { _, _ in
            JSONResponse.make(.ok, .object([("status", .string("ok"))]))
        }
        router.get("/readyz") { _, context in try await ready(context) }
        router.get("/metrics") { _, _ in
            var text = metrics.render()
            if let counting = store as? any CommitCounting { text += counting.commitCounts.prometheusText }
            return JSONResponse.text(.ok, text, contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/openapi.yaml") { _, _ in
            JSONResponse.text(.ok, served, contentType: "application/yaml")
        }
    }

    private func ready(_ context: ProvisionerRequestContext) async throws -> Response {
        do {
            try await store.ping()
        } catch {
            context.logger.error("readiness: store does not answer", metadata: ["error": "\(error)"])
            throw ProvisionerError.backendUnavailable("store ping failed")
        }
        if let checking = backend as? any ReadinessChecking {
            do {
                try await checking.checkReadiness(logger: context.logger)
            } catch {
                context.logger.error("readiness: backend not ready", metadata: ["error": "\(error)"])
                throw ProvisionerError.backendUnavailable("backend not ready")
            }
        }
        return JSONResponse.make(
            .ok,
            .object([
                ("status", .string("ready")), ("store", .string("ok")), ("backend", .string(backend.name)),
                ("is_demo", .bool(backend.isDemo)),
            ]))
    }
}

/// The OpenAPI 3.1 document of this API (`Sources/Host/Resources/openapi.yaml`), embedded at build time.
public enum OpenAPIDocument {
    public static var yaml: String { String(decoding: PackageResources.openapi_yaml, as: UTF8.self) }

    /// The document with what this Host's configuration decides filled in: the plan names a
    /// `POST /v1/vm` accepts and the ports `limits.blocked_ports` refuses, so the document says
    /// exactly what the server does.
    public static func served(for configuration: HostConfiguration) -> String {
        let plans = configuration.plans.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
        let blocked = configuration.limits.blockedPorts.sorted().map(String.init).joined(separator: ", ")
        return yaml.replacingOccurrences(of: "          enum: [small, trial]\n", with: "          enum: [\(plans)]\n")
            .replacingOccurrences(
                of: "            not: { enum: [25, 465, 587] }\n",
                with: blocked.isEmpty ? "" : "            not: { enum: [\(blocked)] }\n")
    }
}
