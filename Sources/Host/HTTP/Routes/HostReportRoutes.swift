import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ProvisionerAPI

/// `POST /v1/host-report`: an agent's heartbeat (DESIGN.md section 10).
///
/// In order: no bearer key is 401; a key that is neither a host's nor the global key is 403
/// `forbidden` and nothing is read or written; a body over `hosts.max_report_bytes` is 413 (at
/// most limit + 1 bytes are buffered, and nothing is stored); malformed JSON or a field of the
/// wrong type is 400 naming it; a host key reporting for another host is 403 `host_mismatch`; the
/// global key reporting for an unknown host is 400. Then one `host_reports` row and the host's
/// reality columns are committed, and each guest is stored on its own: one that fails is logged
/// and the report still succeeds. A blocked host's report is accepted and the reply says
/// `blocked: true`, so its agent learns it.
struct HostReportRoutes {
    let store: any Store
    let configuration: HostsConfiguration
    /// The global reporting key (`hosts.global_key_env`'s value), if configured.
    let globalKey: String?
    let now: @Sendable () -> Date

    func register(on router: Router<ProvisionerRequestContext>) {
        router.post("/v1/host-report") { request, context in try await report(request, context) }
    }

    /// Whose key authenticated the request.
    private enum Reporter {
        case host(HostRecord)
        case global
    }

    private func report(_ request: Request, _ context: ProvisionerRequestContext) async throws -> Response {
        let reporter = try await authenticate(request)
        let bytes = try await Self.readBody(request, limit: configuration.maxReportBytes)
        let parsed = try HostReport(bytes)
        let host: HostRecord
        switch reporter {
        case .host(let owner):
            guard owner.hostID == parsed.hostID else {
                throw ProvisionerError(
                    code: .hostMismatch, isRetryable: false,
                    customerMessage: "This API key belongs to another host than '\(parsed.hostID)'.")
            }
            host = owner
        case .global:
            guard let known = try await store.host(id: parsed.hostID) else {
                throw ProvisionerError.invalidRequest(
                    "Field 'host_id': no host '\(parsed.hostID)'; the global key reports only for existing hosts.")
            }
            host = known
        }
        let receivedAt = now()
        let summary = HostReportSummary(
            hostID: host.hostID, receivedAt: receivedAt, reportedAt: parsed.reportedAt,
            agentVersion: parsed.agentVersion, hostname: parsed.host.hostname, cpuPercent: parsed.host.cpuPercent,
            memPercent: parsed.host.memPercent, diskPercent: parsed.host.diskPercent,
            uptimeSeconds: parsed.host.uptimeSeconds, guestTotal: parsed.guests.count,
            guestRunning: parsed.guestRunning, cloudflaredStatus: parsed.cloudflaredStatus)
        guard try await store.recordHostReport(summary, body: String(decoding: bytes, as: UTF8.self)) != nil else {
            throw ProvisionerError.invalidRequest("Field 'host_id': no host '\(parsed.hostID)'.")
        }
        await storeGuests(parsed.guests, of: host.hostID, at: receivedAt, logger: context.logger)
        return JSONResponse.make(
            .ok,
            .object([
                ("status", .string("ok")),
                ("poll_interval_seconds", .int(configuration.pollIntervalSeconds)),
                ("blocked", .bool(host.blocked)),
                ("desired_generation", .int(host.desiredGeneration)),
                ("has_signed_ops", .bool(false)),
            ]))
    }

    /// Stores each guest on its own and drops the guests that left the host; a failure is logged,
    /// never fatal to the report.
    private func storeGuests(_ guests: [HostReport.Guest], of hostID: String, at: Date, logger: Logger) async {
        var stored: Set<String> = []
        for guest in guests {
            let record = GuestRecord(
                hostID: hostID, vmid: guest.vmid, name: guest.name, status: guest.status,
                controllerVersion: guest.controllerVersion, specJSON: guest.specJSON, updatedAt: at)
            do {
                try await store.upsertGuest(record)
                stored.insert(guest.vmid)
            } catch {
                logger.warning(
                    "a reported guest could not be stored; the report is kept",
                    metadata: ["host.id": "\(hostID)", "guest.id": "\(record.guestID)", "error": "\(error)"])
            }
        }
        do {
            // Keep a guest that failed to store this time: it was reported, so it is still there.
            _ = try await store.removeGuests(hostID: hostID, keeping: Set(guests.map(\.vmid)))
        } catch {
            logger.warning(
                "guests that left the host could not be removed",
                metadata: ["host.id": "\(hostID)", "error": "\(error)"])
        }
    }

    /// Finds whose key the bearer token is: a host's (by its SHA-256) or the global key.
    private func authenticate(_ request: Request) async throws -> Reporter {
        guard let header = request.headers[.authorization], header.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else {
            throw ProvisionerError(
                code: .unauthorized, isRetryable: false,
                customerMessage: "Missing credentials: send 'Authorization: Bearer <host api key>'.")
        }
        let token = String(header.dropFirst(7))
        if let host = try await store.host(keyHash: HostKey.hash(token)) { return .host(host) }
        if let globalKey, BearerAuthenticator.constantTimeEquals(Array(token.utf8), Array(globalKey.utf8)) {
            return .global
        }
        throw ProvisionerError(code: .forbidden, isRetryable: false, customerMessage: "This API key is not known.")
    }

    /// Reads the body, keeping at most `limit + 1` bytes: one byte past the limit is proof enough,
    /// and the rest is never read. A declared `Content-Length` over the limit is refused unread.
    ///
    /// - Throws: ``ProvisionerError`` `payload_too_large`.
    static func readBody(_ request: Request, limit: Int) async throws -> [UInt8] {
        let tooLarge = ProvisionerError(
            code: .payloadTooLarge, isRetryable: false,
            customerMessage: "The report is larger than \(limit) bytes (hosts.max_report_bytes); it was not stored.")
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit { throw tooLarge }
        var bytes: [UInt8] = []
        for try await buffer in request.body {
            let room = limit + 1 - bytes.count
            bytes.append(contentsOf: buffer.readableBytesView.prefix(room))
            if bytes.count > limit { throw tooLarge }
        }
        return bytes
    }
}
