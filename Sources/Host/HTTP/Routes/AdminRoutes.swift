import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import ProvisionerAPI

/// Operator routes behind the admin secret: the audit log as HTML and JSON.
struct AdminRoutes {
    let store: any Store
    let adminAuth: BearerAuthenticator
    let templates: PageTemplates

    func register(on router: Router<ProvisionerRequestContext>) {
        router.get("/admin/audit") { request, context in
            let wantsJSON = request.headers[.accept]?.contains("application/json") == true
            return try await audit(request, context, json: wantsJSON)
        }
        router.get("/admin/audit.json") { request, context in try await audit(request, context, json: true) }
    }

    private func audit(_ request: Request, _ context: ProvisionerRequestContext, json: Bool) async throws -> Response {
        try adminAuth.authenticate(request)
        let query = AdminListQuery(request)
        try query.allowOnly(["vm_id", "user_id", "kind", "limit", "before"])
        let filter = AuditFilter(
            allocationID: query.text("vm_id"), userID: query.text("user_id"), kind: query.text("kind"))
        let limit = try query.limit()
        let events = try await store.auditEvents(matching: filter, limit: limit, beforeID: try query.before())
        let nextBefore = events.count == limit ? events.last?.id : nil
        if json {
            return JSONResponse.make(
                .ok,
                .object([
                    ("events", .array(events.map(Self.json))),
                    ("next_before", nextBefore.map { .int(Int($0)) } ?? .null),
                ]))
        }
        let nextPage = nextBefore.map { nextBefore in
            AdminListQuery.link(
                "/admin/audit",
                [
                    ("vm_id", filter.allocationID), ("user_id", filter.userID), ("kind", filter.kind),
                    ("limit", String(limit)), ("before", String(nextBefore)),
                ])
        }
        let page: [String: Any] = [
            "filter": [
                "vm_id": filter.allocationID ?? "", "user_id": filter.userID ?? "", "kind": filter.kind ?? "",
            ],
            "events": events.map { event -> [String: Any] in
                [
                    "id": event.id.map { String($0) } ?? "", "at": PageTime.context(event.at),
                    "kind": event.kind, "vm_id": event.allocationID ?? "", "user_id": event.userID ?? "",
                    "actor": event.actor, "request_id": event.requestID ?? "", "detail": event.detail ?? "",
                ]
            },
            "next_page": nextPage ?? false,
        ]
        return try HTMLResponse.admin(templates, "audit", section: "audit", title: "Audit log", page)
    }

    static func json(_ event: AuditEvent) -> JSONValue {
        .object([
            ("id", event.id.map { .int(Int($0)) } ?? .null), ("at", .date(event.at)), ("kind", .string(event.kind)),
            ("vm_id", .string(event.allocationID)), ("user_id", .string(event.userID)), ("actor", .string(event.actor)),
            ("request_id", .string(event.requestID)), ("detail", .string(event.detail)),
        ])
    }
}
