import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import ProvisionerAPI

/// The customer dashboard: `POST /v1/users/{user}/dashboard-link` (service token) issues an
/// expiring signed link, and `GET /dashboard/{user}` serves the user's active services to whoever
/// holds one.
struct DashboardRoutes {
    let store: any Store
    let serviceAuth: BearerAuthenticator
    let signer: DashboardLinkSigner
    let maxBodyBytes: Int
    let templates: PageTemplates

    /// States a customer no longer has a service in.
    static let inactiveStates: Set<LaunchProofStatus> = [.released, .failed, .rolledBack]

    func register(on router: Router<ProvisionerRequestContext>) {
        router.post("/v1/users/{user}/dashboard-link") { request, context in try await issue(request, context) }
        router.get("/dashboard/{user}") { request, context in try await dashboard(request, context) }
    }

    private func issue(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        try serviceAuth.authenticate(request)
        let userID = try UserPathParameter.read(context)
        let bytes = Array(try await request.body.collect(upTo: maxBodyBytes).readableBytesView)
        if !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            _ = try RequestBodyReader(bytes, allowed: [])
        }
        guard NewOrder.isValidUserID(userID) else {
            throw ProvisionerError.invalidRequest(NewOrder.userIDRule)
        }
        let link = signer.link(for: userID, now: Date())
        let issued = AuditEvent(
            at: Date(), kind: "dashboard.link_issued", allocationID: nil, userID: userID, actor: "service",
            requestID: context.requestID, detail: "expires_at=\(JSONValue.timestamp(link.expiresAt))")
        do {
            try await store.appendAudit([issued])
        } catch {
            // No link without its audit record: the request fails, and the lost event is logged.
            context.logger.eventsNotRecorded(audit: [issued], error: error)
            throw error
        }
        return JSONResponse.make(
            .created, .object([("url", .string(link.path)), ("expires_at", .date(link.expiresAt))]))
    }

    private func dashboard(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        let userID = try UserPathParameter.read(context)
        let query = request.uri.queryParameters
        let expires = query["expires"].map(String.init)
        switch signer.verify(userID: userID, expires: expires, signature: query["sig"].map(String.init), now: Date())
        {
        case .invalid:
            let error = ProvisionerError(
                code: .forbidden, isRetryable: false, customerMessage: "This dashboard link is not valid.")
            return try refused(error, heading: "This link does not work", request)
        case .expired:
            let error = ProvisionerError(
                code: .linkExpired, isRetryable: false,
                customerMessage: "This dashboard link has expired; ask for a new one.")
            return try refused(error, heading: "This link has expired", request)
        case .valid:
            break
        }
        let records = try await store.allocations(userID: userID)
            .filter { !Self.inactiveStates.contains($0.state) && $0.deletedAt == nil }
        let expiresAt = expires.flatMap { TimeInterval($0) }.map { Date(timeIntervalSince1970: $0) }
        let services = records.map(Self.service)
        let page: [String: Any] = [
            "title": "Your services", "brand": "Customer dashboard",
            "user_id": userID,
            "expires_at": PageTime.context(expiresAt),
            "services": services,
            "has_ssh": services.contains { $0["ssh"] is String },
        ]
        return HTMLResponse.make(try templates.render("dashboard", page))
    }

    /// A refused link: a page for a browser (it asks for `text/html`), the JSON envelope for
    /// programs. Both are 403 with the error's code.
    private func refused(_ error: ProvisionerError, heading: String, _ request: Request) throws -> Response {
        guard request.headers[.accept]?.contains("text/html") == true else { throw error }
        let page: [String: Any] = [
            "title": heading, "brand": "Customer dashboard", "heading": heading, "message": error.customerMessage,
        ]
        return HTMLResponse.make(try templates.render("dashboard-refused", page), status: .forbidden)
    }

    /// One row of the Active services table; Mustache escapes every cell.
    /// Only what the customer should see: the safe message, never an internal state name.
    static func service(_ record: AllocationRecord) -> [String: Any] {
        let hostname = record.hostname ?? record.vm?.hostname
        let (label, tone) = CustomerStatus.badge(record.state)
        return [
            "name": hostname ?? record.id,
            "sub": hostname == nil ? false as Any : record.id as Any,
            "plan": record.plan,
            "label": label, "tone": tone,
            "message": record.customerMessage,
            "address": record.vm?.ipv6 ?? record.vm?.ipv4 ?? "—",
            "ssh": CustomerStatus.sshCommand(record.vm) ?? false,
            "cockpit": CockpitLink.href(record.vm?.cockpitURL) ?? false,
        ]
    }
}
