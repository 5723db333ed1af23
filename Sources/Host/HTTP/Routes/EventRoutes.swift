import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import ProvisionerAPI

/// Operator routes behind the admin secret: lifecycle events (drift, orphans, deadlines,
/// recovery) and the orphans the last reconcile pass found, each as HTML and JSON.
struct EventRoutes {
    let store: any Store
    let orphans: OrphanRegistry
    let adminAuth: BearerAuthenticator
    let templates: PageTemplates

    func register(on router: Router<ProvisionerRequestContext>) {
        router.get("/admin/events") { request, _ in
            try await events(request, json: request.headers[.accept]?.contains("application/json") == true)
        }
        router.get("/admin/events.json") { request, _ in try await events(request, json: true) }
        router.get("/admin/orphans") { request, _ in
            try orphanList(request, json: request.headers[.accept]?.contains("application/json") == true)
        }
        router.get("/admin/orphans.json") { request, _ in try orphanList(request, json: true) }
    }

    private func events(_ request: Request, json: Bool) async throws -> Response {
        try adminAuth.authenticate(request)
        let query = AdminListQuery(request)
        try query.allowOnly(["vm_id", "kind", "host_id", "limit", "before"])
        let filter = LifecycleEventFilter(
            allocationID: query.text("vm_id"), kind: query.text("kind"), hostID: query.text("host_id"))
        let limit = try query.limit()
        let events = try await store.lifecycleEvents(matching: filter, limit: limit, beforeID: try query.before())
        let nextBefore = events.count == limit ? events.last?.id : nil
        if json {
            return JSONResponse.make(
                .ok,
                .object([
                    ("events", .array(events.map(AllocationViews.lifecycle))),
                    ("next_before", nextBefore.map { .int(Int($0)) } ?? .null),
                ]))
        }
        let nextPage = nextBefore.map { nextBefore in
            AdminListQuery.link(
                "/admin/events",
                [
                    ("vm_id", filter.allocationID), ("kind", filter.kind), ("limit", String(limit)),
                    ("before", String(nextBefore)),
                ])
        }
        let page: [String: Any] = [
            "filter": ["vm_id": filter.allocationID ?? "", "kind": filter.kind ?? ""],
            "events": events.map { event -> [String: Any] in
                [
                    "id": event.id.map { String($0) } ?? "", "at": PageTime.context(event.at), "kind": event.kind,
                    "vm_id": event.allocationID ?? "", "backend": event.backend, "backend_ref": event.backendRef ?? "",
                    "detail": event.detail ?? "",
                ]
            },
            "next_page": nextPage ?? false,
        ]
        return try HTMLResponse.admin(templates, "events", section: "events", title: "Lifecycle events", page)
    }

    private func orphanList(_ request: Request, json: Bool) throws -> Response {
        try adminAuth.authenticate(request)
        let current = orphans.current
        if json {
            return JSONResponse.make(
                .ok,
                .object([
                    (
                        "orphans",
                        .array(
                            current.map { orphan in
                                .object([
                                    ("backend_ref", .string(orphan.item.backendRef)),
                                    ("vm_id", .string(orphan.item.allocationID)), ("name", .string(orphan.item.name)),
                                    ("first_seen", .date(orphan.firstSeen)),
                                ])
                            })
                    )
                ]))
        }
        let page: [String: Any] = [
            "orphans": current.map { orphan -> [String: Any] in
                [
                    "backend_ref": orphan.item.backendRef, "vm_id": orphan.item.allocationID ?? "",
                    "name": orphan.item.name ?? "", "first_seen": PageTime.context(orphan.firstSeen),
                ]
            }
        ]
        return try HTMLResponse.admin(templates, "orphans", section: "orphans", title: "Orphans", page)
    }
}
