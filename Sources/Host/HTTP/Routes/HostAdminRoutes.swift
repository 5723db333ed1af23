import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import ProvisionerAPI

/// Operator routes for hosts, behind the admin secret (DESIGN.md section 10): mint a host and its
/// API key, list hosts with their health as HTML and JSON, block and unblock a host.
struct HostAdminRoutes {
    let store: any Store
    let adminAuth: BearerAuthenticator
    let configuration: HostsConfiguration
    let templates: PageTemplates
    let maxBodyBytes: Int
    let now: @Sendable () -> Date

    func register(on router: Router<ProvisionerRequestContext>) {
        router.post("/admin/hosts") { request, context in try await mint(request, context) }
        router.get("/admin/hosts") { request, _ in
            try await list(request, json: request.headers[.accept]?.contains("application/json") == true)
        }
        router.get("/admin/hosts.json") { request, _ in try await list(request, json: true) }
        router.post("/admin/hosts/{id}/block") { request, context in
            try await setBlocked(true, request, context)
        }
        router.post("/admin/hosts/{id}/unblock") { request, context in
            try await setBlocked(false, request, context)
        }
    }

    private func mint(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        try adminAuth.authenticate(request)
        let body = try await request.body.collect(upTo: maxBodyBytes)
        let reader = try RequestBodyReader(Array(body.readableBytesView), allowed: ["label", "owner"])
        let label = try reader.requiredString("label")
        guard HostKey.isValidLabel(label) else {
            throw ProvisionerError.invalidRequest(
                "Field 'label' must be 1-40 lowercase letters, digits or '-', starting with a letter or digit.")
        }
        let owner = try reader.string("owner")
        if let owner, owner.isEmpty || owner.utf8.count > 100 {
            throw ProvisionerError.invalidRequest("Field 'owner' must be 1-100 bytes (UTF-8).")
        }
        for _ in 0..<3 {
            let key = HostKey(label: label)
            let record = HostRecord(
                hostID: key.hostID, label: label, owner: owner, keyHash: HostKey.hash(key.apiKey), now: now())
            let audit = AuditEvent(
                at: record.createdAt, kind: "host.minted", allocationID: nil, userID: nil, actor: "admin",
                requestID: context.requestID, detail: "host \(key.hostID)")
            if try await store.insertHost(record, audit: audit) {
                var headers = HTTPFields()
                headers[.cacheControl] = "no-store"
                return JSONResponse.make(
                    .created, .object([("host_id", .string(key.hostID)), ("api_key", .string(key.apiKey))]),
                    headers: headers)
            }
        }
        throw ProvisionerError(
            code: .internalError, isRetryable: true, customerMessage: "Could not mint a unique host id; try again.")
    }

    private func list(_ request: Request, json: Bool) async throws -> Response {
        try adminAuth.authenticate(request)
        let hosts = try await store.hosts()
        let now = now()
        let judged = hosts.map { host in (host, configuration.health(of: host, at: now)) }
        if json {
            return JSONResponse.make(
                .ok, .object([("hosts", .array(judged.map { HostViews.json($0.0, health: $0.1) }))]))
        }
        let counts = HostHealth.allCases.map { health in
            StateBadge.host(health).merging(["count": judged.filter { $0.1 == health }.count]) { _, new in new }
        }
        let page: [String: Any] = [
            "hosts": judged.map { HostViews.row($0.0, health: $0.1) }, "counts": counts,
            "stale_after_s": configuration.staleAfterSeconds, "down_after_s": configuration.downAfterSeconds,
        ]
        return try HTMLResponse.admin(templates, "hosts", section: "hosts", title: "Hosts", page)
    }

    private func setBlocked(_ blocked: Bool, _ request: Request, _ context: ProvisionerRequestContext) async throws
        -> Response
    {
        try adminAuth.authenticate(request)
        let id = try context.parameters.require("id")
        let at = now()
        let audit = AuditEvent(
            at: at, kind: blocked ? "host.blocked" : "host.unblocked", allocationID: nil, userID: nil, actor: "admin",
            requestID: context.requestID, detail: "host \(id)")
        guard try await store.setHostBlocked(id: id, blocked: blocked, now: at, audit: audit),
            let host = try await store.host(id: id)
        else {
            throw ProvisionerError(code: .notFound, isRetryable: false, customerMessage: "No host '\(id)'.")
        }
        return JSONResponse.make(.ok, HostViews.json(host, health: configuration.health(of: host, at: at)))
    }
}
