import HTTPTypes
import Hummingbird
import ProvisionerAPI

/// The `/v1` routes the onboarding service calls, plus the public status route.
struct VMRoutes {
    let orders: OrderService
    let provisioning: ProvisioningService
    let leaseSeconds: Int
    let store: any Store
    let serviceAuth: BearerAuthenticator
    let maxBodyBytes: Int
    /// The host health shown beside an allocation whose VM names a host.
    let hostHealth: HostHealthLookup

    static let createFields = ["user_id", "plan", "hostname", "ssh_keys", "open_ports", "metadata", "forge_id"]
    static let paymentFields = ["status", "reference"]

    func register(on router: Router<ProvisionerRequestContext>) {
        router.post("/v1/vm") { request, context in try await create(request, context) }
        router.post("/v1/vm/{id}/payment") { request, context in try await pay(request, context) }
        router.get("/v1/vm/{id}") { request, context in try await show(request, context) }
        router.get("/v1/vm/{id}/status") { request, context in try await publicStatus(request, context) }
        router.delete("/v1/vm/{id}") { request, context in try await release(request, context) }
        router.post("/v1/vm/{id}/retry") { request, context in try await retry(request, context) }
        router.get("/v1/users/{user}/vms") { request, context in try await list(request, context) }
    }

    private func create(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        try serviceAuth.authenticate(request)
        let key = try Self.idempotencyKey(request)
        let body = try RequestBodyReader(try await bodyBytes(request), allowed: Self.createFields)
        let order = NewOrder(
            userID: try body.requiredString("user_id"),
            plan: try body.requiredString("plan"),
            hostname: try body.string("hostname"),
            sshKeys: try body.stringList("ssh_keys"),
            openPorts: try body.intList("open_ports"),
            metadata: try body.stringMap("metadata"),
            forgeID: try body.string("forge_id"))
        if try DryRunView.isRequested(request) {
            let preview = try await orders.previewOrder(order, idempotencyKey: key, logger: context.logger)
            return JSONResponse.make(.ok, DryRunView.json(preview))
        }
        let (record, replayed) = try await orders.createOrder(
            order, idempotencyKey: key, requestID: context.requestID, logger: context.logger)
        var headers = HTTPFields()
        headers[.location] = "/v1/vm/\(record.id)"
        if replayed { headers[.idempotentReplayed] = "true" }
        return JSONResponse.make(.accepted, try await view(record), headers: headers)
    }

    private func pay(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        try serviceAuth.authenticate(request)
        let id = try context.parameters.require("id")
        let body = try RequestBodyReader(try await bodyBytes(request), allowed: Self.paymentFields)
        let status = try body.requiredString("status")
        let known = ["paid", "pending", "failed", "cancelled", "expired", "refunded"]
        guard known.contains(status) else {
            throw ProvisionerError.invalidRequest(
                "Field 'status' must be one of: \(known.joined(separator: ", ")); got '\(status)'.")
        }
        let reference = try body.string("reference")
        if let reference, reference.utf8.count > 256 {
            throw ProvisionerError.invalidRequest("Field 'reference' may be at most 256 bytes (UTF-8).")
        }
        let record = try await orders.recordPayment(
            id: id, status: status, reference: reference, requestID: context.requestID, logger: context.logger)
        return JSONResponse.make(.ok, try await view(record))
    }

    private func show(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        try serviceAuth.authenticate(request)
        let record = try await orders.allocation(id: try context.parameters.require("id"))
        let events = try await store.auditEvents(allocationID: record.id)
        let lifecycle = try await store.lifecycleEvents(allocationID: record.id)
        return JSONResponse.make(.ok, try await view(record, events: events, lifecycleEvents: lifecycle))
    }

    private func publicStatus(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        guard let status = try await store.publicStatus(id: try context.parameters.require("id")) else {
            throw ProvisionerError.notFound("No VM with this id.")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: PublicStatusBody.make(status)))
    }

    private func release(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        try serviceAuth.authenticate(request)
        let record = try await orders.requestRelease(
            id: try context.parameters.require("id"), requestID: context.requestID, logger: context.logger)
        return JSONResponse.make(record.state == .released ? .ok : .accepted, try await view(record))
    }

    /// Retries a failed launch that left nothing behind, synchronously, on the same order.
    private func retry(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        try serviceAuth.authenticate(request)
        let bytes = try await bodyBytes(request)
        if !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            _ = try RequestBodyReader(bytes, allowed: [])
        }
        let prepared = try await orders.prepareRetry(
            id: try context.parameters.require("id"), requestID: context.requestID, leaseSeconds: leaseSeconds,
            logger: context.logger)
        let result = try await provisioning.provision(prepared, requestID: context.requestID, logger: context.logger)
        if [.failed, .rolledBack].contains(result.state) {
            throw ProvisionerError(
                code: .provisionFailed, isRetryable: result.rollbackAvailable,
                customerMessage: CustomerMessages.text(for: result.state),
                operatorDetail: result.operatorMessage)
        }
        return JSONResponse.make(.ok, try await view(result))
    }

    private func list(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        try serviceAuth.authenticate(request)
        let userID = try UserPathParameter.read(context)
        let records = try await orders.allocations(userID: userID)
        let forgeID = try await orders.forgeID(userID: userID)
        let healths = records.contains { $0.hostID != nil } ? try await hostHealth.all() : [:]
        return JSONResponse.make(
            .ok,
            .object([
                (
                    "vms",
                    .array(
                        records.map {
                            AllocationViews.full(
                                $0, forgeID: forgeID, host: hostHealth.host(of: $0, in: healths))
                        })
                ),
                ("forge_id", .string(forgeID)),
            ]))
    }

    /// The service view of `record`, with its user's forge id.
    private func view(
        _ record: AllocationRecord, events: [AuditEvent]? = nil, lifecycleEvents: [LifecycleEvent]? = nil
    ) async throws -> JSONValue {
        AllocationViews.full(
            record, forgeID: try await orders.forgeID(userID: record.userID), events: events,
            lifecycleEvents: lifecycleEvents, host: try await hostHealth.host(of: record))
    }

    private func bodyBytes(_ request: Request) async throws -> [UInt8] {
        let buffer = try await request.body.collect(upTo: maxBodyBytes)
        return Array(buffer.readableBytesView)
    }

    static func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...255).contains(key.utf8.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw ProvisionerError.invalidRequest("Header 'Idempotency-Key' must be 1-255 visible ASCII characters.")
        }
        return key
    }
}
