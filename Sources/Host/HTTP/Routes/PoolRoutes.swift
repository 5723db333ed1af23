import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import PoolProvisioner
import ProvisionerAPI

/// Operator routes for the pool backend, behind the admin secret: refresh the pool, see every
/// pool VM's state, return a quarantined VM (through the gate: 202 `pending_signature`). Each
/// answers 503 `pool_not_active` when the active backend is not the pool.
struct PoolRoutes {
    let backend: any Provisioner
    let adminAuth: BearerAuthenticator
    let store: any Store
    let gate: Gate
    let templates: PageTemplates
    /// The largest pool body accepted (a pool of 100,000 VMs is about 15 MB of JSON).
    static let maxPoolBodyBytes = 64 * 1024 * 1024

    func register(on router: Router<ProvisionerRequestContext>) {
        router.post("/admin/pool-refresh") { request, context in try await refresh(request, context) }
        router.get("/admin/pool") { request, context in
            let wantsJSON = request.headers[.accept]?.contains("application/json") == true
            return try await report(request, json: wantsJSON)
        }
        router.get("/admin/pool.json") { request, _ in try await report(request, json: true) }
        router.post("/admin/pool/{vm_id}/return") { request, context in try await returnVM(request, context) }
    }

    private func pool() throws -> PoolAssignmentProvisioner {
        guard let pool = backend as? PoolAssignmentProvisioner else {
            throw ProvisionerError(
                code: .poolNotActive, isRetryable: false,
                customerMessage: "The active backend is '\(backend.name)', not the pool.")
        }
        return pool
    }

    private func refresh(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        try adminAuth.authenticate(request)
        let pool = try pool()
        let body = try await request.body.collect(upTo: Self.maxPoolBodyBytes)
        let vms: [PoolVM]
        do {
            vms = try PoolCatalogJSON.decode(Data(body.readableBytesView))
        } catch {
            throw ProvisionerError.invalidRequest("The pool is invalid: \(error). Nothing was changed.")
        }
        let sizes = try await pool.refreshPool(vms, logger: context.logger)
        await store.appendAuditLogging(
            [
                AuditEvent(
                    at: Date(), kind: "pool.refreshed", allocationID: nil, userID: nil, actor: GateRoutes.credential,
                    requestID: context.requestID,
                    detail: "credential=\(GateRoutes.credential) prev_pool_size=\(sizes.previousSize) "
                        + "pool_size=\(sizes.newSize)")
            ], logger: context.logger)
        return JSONResponse.make(
            .ok,
            .object([("prev_pool_size", .int(sizes.previousSize)), ("pool_size", .int(sizes.newSize))]))
    }

    private func report(_ request: Request, json: Bool) async throws -> Response {
        try adminAuth.authenticate(request)
        let report = try await pool().report()
        if json {
            return JSONResponse.make(.ok, Self.json(report))
        }
        let states = ["available", "assigned", "cleaning", "quarantined", "maintenance", "orphaned_from_pool"]
        let page: [String: Any] = [
            "generation": String(report.generation),
            "size": String(report.size),
            "counts": states.map { state in
                let count = report.count(state)
                return StateBadge.pool(state).merging(["count": String(count)]) { $1 }
                    .merging(count == 0 ? ["tone": "quiet"] : [:]) { $1 }
            },
            "has_returnable": report.vms.contains { $0.state == "quarantined" || $0.state == "cleaning" },
            "vms": report.vms.map { row -> [String: Any] in
                [
                    "vm_id": row.vmID, "state": StateBadge.pool(row.state), "name": row.vm?.name ?? "",
                    "address": row.vm?.ipv6 ?? row.vm?.ipv4 ?? "", "allocation_id": row.claim?.allocationID ?? "",
                    "note": row.claim?.note ?? "",
                    "returnable": row.state == "quarantined",
                ]
            },
        ]
        return try HTMLResponse.admin(templates, "pool", section: "pool", title: "Pool", page)
    }

    /// Returning a VM may hand a previous customer's data to the next: it goes through the gate
    /// as `return_quarantined` and answers 202 `pending_signature` (409 for a VM not quarantined).
    private func returnVM(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        try adminAuth.authenticate(request)
        _ = try pool()
        let vmID = try context.parameters.require("vm_id")
        let op = try await gate.request(
            op: "return_quarantined", target: vmID, params: [:],
            caller: Gate.Caller(credential: GateRoutes.credential, requestID: context.requestID), logger: context.logger
        )
        return GateRoutes.response(for: op)
    }

    static func json(_ report: PoolReport) -> JSONValue {
        .object([
            ("generation", .int(Int(report.generation))),
            ("pool_size", .int(report.size)),
            (
                "vms",
                .array(
                    report.vms.map { row in
                        .object([
                            ("vm_id", .string(row.vmID)), ("state", .string(row.state)),
                            ("name", .string(row.vm?.name)), ("ipv4", .string(row.vm?.ipv4)),
                            ("ipv6", .string(row.vm?.ipv6)), ("cockpit_url", .string(row.vm?.cockpitURL)),
                            ("allocation_id", .string(row.claim?.allocationID)), ("note", .string(row.claim?.note)),
                        ])
                    })
            ),
        ])
    }
}
