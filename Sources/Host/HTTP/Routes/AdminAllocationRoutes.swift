import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import ProvisionerAPI

/// `GET /admin/allocations`: every allocation as a 13-column HTML table, or JSON, behind the admin
/// secret. Rows whose VM a pool refresh removed are marked `orphaned_from_pool`.
struct AdminAllocationRoutes {
    let store: any Store
    let adminAuth: BearerAuthenticator
    let orphans: OrphanReport
    /// The host health shown beside an allocation whose VM names a host.
    let hostHealth: HostHealthLookup
    let templates: PageTemplates

    /// The table's columns, in order.
    static let columns = [
        "vm_id", "user_id", "plan", "backend", "state", "payment", "backend_ref", "ipv4", "ipv6", "ssh", "created_at",
        "updated_at", "cockpit",
    ]

    func register(on router: Router<ProvisionerRequestContext>) {
        router.get("/admin/allocations") { request, _ in
            let wantsJSON = request.headers[.accept]?.contains("application/json") == true
            return try await allocations(request, json: wantsJSON)
        }
        router.get("/admin/allocations.json") { request, _ in try await allocations(request, json: true) }
        router.get("/admin/allocations/{id}") { request, context in try await detail(request, context) }
    }

    private func allocations(_ request: Request, json: Bool) async throws -> Response {
        try adminAuth.authenticate(request)
        let list = AdminListQuery(request)
        try list.allowOnly(["user_id", "state", "backend", "limit", "offset"])
        let query = try AdminAllocationQuery(text: list.text, integerText: list.integerText)
        let records = try await store.allocations(matching: query.filter, limit: query.limit, offset: query.offset)
        let orphaned = try await orphans.orphanedAllocations()
        let nextOffset = records.count == query.limit ? query.offset + query.limit : nil
        let healths = records.contains { $0.hostID != nil } ? try await hostHealth.all() : [:]
        if json {
            var forgeIDs: [String: String?] = [:]
            var items: [JSONValue] = []
            for record in records {
                if forgeIDs[record.userID] == nil {
                    forgeIDs[record.userID] = .some(try await store.user(id: record.userID)?.forgeID)
                }
                let view = AllocationViews.full(
                    record, forgeID: forgeIDs[record.userID] ?? nil, host: hostHealth.host(of: record, in: healths))
                guard case .object(var pairs) = view else { continue }
                pairs.append(("orphaned_from_pool", JSONValue.bool(orphaned[record.id] != nil)))
                items.append(.object(pairs))
            }
            return JSONResponse.make(
                .ok, .object([("allocations", .array(items)), ("next_offset", .int(nextOffset))]))
        }
        let page: [String: Any] = [
            "columns": Self.columns,
            "filter": query.filterFields,
            "states": LaunchProofStatus.allCases.map { state -> [String: Any] in
                ["name": state.rawValue, "selected": query.filter.state == state]
            },
            "rows": records.map { record in
                Self.row(
                    record, orphaned: orphaned[record.id] != nil,
                    hostHealth: hostHealth.host(of: record, in: healths)?.health)
            },
            "next_page": nextOffset.map { query.pagePath(offset: $0) } ?? false,
        ]
        return try HTMLResponse.admin(templates, "allocations", section: "allocations", title: "Allocations", page)
    }

    /// `GET /admin/allocations/{id}`: every field of one allocation and its event timeline.
    private func detail(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        try adminAuth.authenticate(request)
        let id = try context.parameters.require("id")
        guard let record = try await store.allocation(id: id) else {
            throw ProvisionerError.notFound("No allocation with this id.")
        }
        let forgeID = try await store.user(id: record.userID)?.forgeID
        let audit = try await store.auditEvents(allocationID: record.id)
        let lifecycle = try await store.lifecycleEvents(allocationID: record.id)
        let orphaned = try await orphans.orphanedAllocations()[record.id] != nil
        let host = try await hostHealth.host(of: record)
        let page = AllocationDetailPage.context(
            record, forgeID: forgeID, audit: audit, lifecycle: lifecycle, orphaned: orphaned, host: host)
        return try HTMLResponse.admin(templates, "allocation", section: "allocations", title: record.id, page)
    }

    /// One table row's cells; Mustache escapes every one of them.
    static func row(_ record: AllocationRecord, orphaned: Bool, hostHealth: HostHealth? = nil) -> [String: Any] {
        let vm = record.vm
        let ssh = vm?.sshHost.map { host in
            let port = vm?.sshPort ?? 22
            return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
        return [
            "vm_id": record.id, "user_id": record.userID, "plan": record.plan, "backend": record.backend,
            "detail": "/admin/allocations/" + record.id,
            "state": StateBadge.allocation(record.state),
            "flags": flags(record, orphaned: orphaned, hostHealth: hostHealth),
            "payment": StateBadge.payment(record.paymentStatus),
            "backend_ref": vm?.backendRef ?? "", "ipv4": vm?.ipv4 ?? "", "ipv6": vm?.ipv6 ?? "", "ssh": ssh ?? "",
            "created_at": PageTime.context(record.createdAt), "updated_at": PageTime.context(record.updatedAt),
            "cockpit": CockpitLink.href(vm?.cockpitURL) ?? false,
        ]
    }

    /// The warning badges beside a state: `orphaned_from_pool`, `teardown_pending`, and
    /// `host_stale` / `host_down` when the VM's host fell silent.
    static func flags(_ record: AllocationRecord, orphaned: Bool, hostHealth: HostHealth? = nil) -> [[String: Any]] {
        let silentHost = hostHealth.flatMap { $0 == .stale || $0 == .down ? $0 : nil }
        return (orphaned ? [StateBadge.flag("orphaned_from_pool")] : [])
            + (record.teardownPending ? [StateBadge.flag("teardown_pending")] : [])
            + (silentHost.map { [StateBadge.flag("host_\($0.rawValue)", tone: $0 == .down ? "bad" : "warn")] } ?? [])
    }
}

/// The filters and page of `GET /admin/allocations`, validated.
struct AdminAllocationQuery {
    var filter: AllocationFilter
    var limit: Int
    var offset: Int

    /// Reads `user_id`, `state`, `backend`, `limit` (1...500, default 100) and `offset`
    /// (0...2147483647, default 0).
    ///
    /// - Throws: `invalid_request` naming the parameter.
    ///
    /// - Parameter text: The non-empty value of a query parameter, or `nil`.
    init(text: (String) -> String?, integerText: (String) -> String?) throws {
        var state: LaunchProofStatus?
        if let name = text("state") {
            guard let parsed = LaunchProofStatus(rawValue: name) else {
                let names = LaunchProofStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw ProvisionerError.invalidRequest("Query parameter 'state' must be one of: \(names).")
            }
            state = parsed
        }
        filter = AllocationFilter(userID: text("user_id"), state: state, backend: text("backend"))
        limit = try AdminListQuery.integer(integerText("limit"), name: "limit", range: 1...500) ?? 100
        offset = try AdminListQuery.integer(integerText("offset"), name: "offset", range: 0...Int(Int32.max)) ?? 0
    }

    /// The filter values, for the page's form.
    var filterFields: [String: String] {
        ["user_id": filter.userID ?? "", "backend": filter.backend ?? ""]
    }

    /// The page at `offset` under the same filters.
    func pagePath(offset: Int) -> String {
        AdminListQuery.link(
            "/admin/allocations",
            [
                ("user_id", filter.userID), ("state", filter.state?.rawValue), ("backend", filter.backend),
                ("limit", String(limit)), ("offset", String(offset)),
            ])
    }
}
