import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import ProvisionerAPI

/// The gate's routes, behind the admin secret (DESIGN.md section 11): request an op, sign a
/// pending one, list them as HTML and JSON.
struct GateRoutes {
    let gate: Gate
    let store: any Store
    let adminAuth: BearerAuthenticator
    let templates: PageTemplates

    /// The credential these routes take, named in every audit event.
    static let credential = "admin_secret"

    func register(on router: Router<ProvisionerRequestContext>) {
        router.post("/admin/ops") { request, context in try await requestOp(request, context) }
        router.post("/admin/ops/{op_id}/signature") { request, context in try await sign(request, context) }
        router.get("/admin/ops/{op_id}") { request, context in
            try adminAuth.authenticate(request)
            let opID = try context.parameters.require("op_id")
            guard let op = try await store.operatorOp(id: opID) else {
                throw ProvisionerError.notFound("No operator op '\(opID)'.")
            }
            return JSONResponse.make(.ok, Self.json(op))
        }
        router.get("/admin/ops") { request, context in
            let wantsJSON = request.headers[.accept]?.contains("application/json") == true
            return try await list(request, json: wantsJSON)
        }
        router.get("/admin/ops.json") { request, _ in try await list(request, json: true) }
    }

    private func requestOp(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        try adminAuth.authenticate(request)
        let body = try await request.body.collect(upTo: 64 * 1024)
        let reader = try RequestBodyReader(Array(body.readableBytesView), allowed: ["op", "target", "params"])
        let opName = try reader.requiredString("op")
        let target = try reader.requiredString("target")
        guard !target.isEmpty else { throw ProvisionerError.invalidRequest("Field 'target' must not be empty.") }
        let op = try await gate.request(
            op: opName, target: target, params: try reader.stringMap("params"),
            caller: Gate.Caller(credential: Self.credential, requestID: context.requestID), logger: context.logger)
        return Self.response(for: op)
    }

    private func sign(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        try adminAuth.authenticate(request)
        let opID = try context.parameters.require("op_id")
        let body = try await request.body.collect(upTo: 64 * 1024)
        let reader = try RequestBodyReader(Array(body.readableBytesView), allowed: ["signature", "payload"])
        let op = try await gate.submitSignature(
            opID: opID, armored: try reader.requiredString("signature"), signedPayload: try reader.string("payload"),
            caller: Gate.Caller(credential: Self.credential, requestID: context.requestID), logger: context.logger)
        return JSONResponse.make(.ok, Self.json(op))
    }

    private func list(_ request: Request, json: Bool) async throws -> Response {
        try adminAuth.authenticate(request)
        let limit = try AdminListQuery(request).limit()
        let ops = try await store.operatorOps(limit: limit)
        if json { return JSONResponse.make(.ok, .object([("ops", .array(ops.map(Self.json)))])) }
        let page: [String: Any] = [
            "ops": ops.map { op -> [String: Any] in
                [
                    "op_id": op.opID, "op": op.op, "target": op.target, "class": op.opClass.rawValue,
                    "state": StateBadge.operatorOp(op.state), "requested_by": op.requestedBy, "signer": op.signer ?? "",
                    "outcome": op.outcome ?? "", "created_at": PageTime.context(op.createdAt),
                    "expires_at": PageTime.context(op.expiresAt),
                    "pending": op.state == .pendingSignature,
                ]
            }
        ]
        return try HTMLResponse.admin(templates, "ops", section: "ops", title: "Operator ops", page)
    }

    /// 200 with the op when it ran (benign), else 202 `pending_signature` with the payload to sign.
    static func response(for op: OperatorOp) -> Response {
        JSONResponse.make(op.state == .pendingSignature ? .accepted : .ok, json(op))
    }

    static func json(_ op: OperatorOp) -> JSONValue {
        .object([
            ("op_id", .string(op.opID)), ("op", .string(op.op)), ("target", .string(op.target)),
            ("params", .object(op.params.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("class", .string(op.opClass.rawValue)), ("state", .string(op.state.rawValue)),
            ("payload", .string(op.payload)), ("expires_at", .date(op.expiresAt)),
            ("requested_by", .string(op.requestedBy)), ("request_id", .string(op.requestID)),
            ("signer", .string(op.signer)), ("outcome", .string(op.outcome)), ("created_at", .date(op.createdAt)),
            ("updated_at", .date(op.updatedAt)),
        ])
    }
}
