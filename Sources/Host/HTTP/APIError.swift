import Foundation
public import HTTPTypes
public import Hummingbird
public import ProvisionerAPI

/// An error as served: the envelope
/// `{"error":{"code","message","retryable","agent_action","request_id"}}`.
///
/// Built only from a code and a safe message: operator detail never reaches a response.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: ProvisionerError.Code
    public var message: String
    public var retryable: Bool
    public var retryAfterSeconds: Int?

    public init(
        status: HTTPResponse.Status, code: ProvisionerError.Code, message: String, retryable: Bool,
        retryAfterSeconds: Int? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Maps a ``ProvisionerError`` to its status; only the customer message is kept.
    public init(_ error: ProvisionerError) {
        let status = Self.status(for: error.code)
        self.init(
            status: status, code: error.code, message: error.customerMessage, retryable: error.isRetryable,
            retryAfterSeconds: status == .serviceUnavailable ? 5 : nil)
    }

    /// Maps anything thrown while serving a request.
    public init(wrapping error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let error as ProvisionerError:
            self.init(error)
        case let error as any HTTPResponseError:
            self.init(httpStatus: error.status)
        default:
            self.init(
                status: .internalServerError, code: .internalError, message: "Something went wrong on our side.",
                retryable: true)
        }
    }

    /// The envelope for a bare HTTP status (router 404/405, body too large).
    init(httpStatus status: HTTPResponse.Status) {
        switch status.code {
        case 404: self.init(status: status, code: .notFound, message: "No such route.", retryable: false)
        case 405:
            self.init(
                status: status, code: .methodNotAllowed, message: "This route does not take this method.",
                retryable: false)
        case 413:
            self.init(
                status: .contentTooLarge, code: .payloadTooLarge, message: "The request body is too large.",
                retryable: false)
        case 400..<500:
            self.init(status: status, code: .invalidRequest, message: "The request is not valid.", retryable: false)
        default:
            self.init(
                status: .internalServerError, code: .internalError, message: "Something went wrong on our side.",
                retryable: true)
        }
    }

    static func status(for code: ProvisionerError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden, .linkExpired, .hostMismatch: .forbidden
        case .signatureInvalid, .unknownSigner, .opExpired, .roleDenied, .bindingMismatch: .forbidden
        case .unknownOp: .badRequest
        case .nonceReplayed: .conflict
        case .notFound: .notFound
        case .conflict, .stateConflict, .idempotencyConflict, .leaseLost: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .quotaExceeded: .tooManyRequests
        case .poolExhausted, .capacityUnavailable, .backendUnavailable, .provisionFailed, .timeout, .poolNotActive,
            .deadlineExceeded:
            .serviceUnavailable
        case .backendRejected: .badGateway
        case .methodNotAllowed: .methodNotAllowed
        default: .internalServerError
        }
    }

    /// What a calling program should do next.
    var agentAction: String {
        switch code {
        case .invalidRequest: "fix the request as the message says; do not retry unchanged"
        case .unauthorized, .forbidden: "check the bearer token; do not retry with the same credentials"
        case .linkExpired: "ask the service for a new dashboard link; do not retry this one"
        case .hostMismatch: "report with the host_id the API key was minted for; do not retry unchanged"
        case .notFound: "check the id or route; do not retry"
        case .idempotencyConflict: "use a new Idempotency-Key for a different request, or resend the original body"
        case .stateConflict, .conflict, .leaseLost:
            retryable
                ? "re-read the VM and retry after a short delay"
                : "re-read the VM; this operation does not apply in its state"
        case .payloadTooLarge: "send a smaller body; do not retry unchanged"
        case .quotaExceeded: "release one of the user's VMs before ordering another; do not retry unchanged"
        case .methodNotAllowed: "use a method this route documents"
        case .poolNotActive: "send pool operations to a Host whose provisioner.backend is pool; do not retry here"
        case .signatureInvalid, .unknownSigner, .opExpired, .nonceReplayed, .roleDenied, .bindingMismatch:
            "request the op again and sign its new payload unchanged with an operator key allowed to; do not retry this"
        case .unknownOp: "use an op this server lists; do not retry unchanged"
        default: retryable ? "retry with exponential backoff" : "do not retry; report to the operator"
        }
    }

    /// The envelope body.
    func body(requestID: String) -> JSONValue {
        .object([
            (
                "error",
                .object([
                    ("code", .string(code.rawValue)),
                    ("message", .string(message)),
                    ("retryable", .bool(retryable)),
                    ("agent_action", .string(agentAction)),
                    ("request_id", .string(requestID)),
                ])
            )
        ])
    }

    /// The full response.
    func response(requestID: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.requestID] = requestID
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        return Response(
            status: status, headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: body(requestID: requestID).serialized)))
    }
}

extension HTTPField.Name {
    /// `X-Request-ID`: taken from the caller when sane, else generated; echoed on every response.
    static let requestID = Self("X-Request-ID")!
    /// `Idempotency-Key` on `POST /v1/vm`.
    static let idempotencyKey = Self("Idempotency-Key")!
    /// `Idempotent-Replayed: true` when a create returned an earlier order.
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}
