import Foundation
import Host

/// A client command that could not be carried out for a reason on this side of the wire.
enum ClientError: Error, Equatable, CustomStringConvertible {
    /// The command was given wrong (exit 2): a bad `--server`, an unreadable file, a missing token.
    case usage(String)
    /// The server could not be reached, or the connection failed (exit 1).
    case unreachable(server: String, detail: String)
    /// The server answered something that is not the API (exit 1).
    case unexpectedAnswer(String)
    /// Waiting for a VM took longer than `--timeout` (exit 1).
    case timedOut(String)

    var description: String {
        switch self {
        case .usage(let message): message
        case .unreachable(let server, let detail):
            "cannot reach the provisioner at \(server): \(detail) (is `provisioner serve` running there? "
                + "set --server or $PROVISIONER_URL)"
        case .unexpectedAnswer(let message): message
        case .timedOut(let message): message
        }
    }

    /// The process exit code: 2 for usage, 1 otherwise.
    var exitCode: Int32 {
        if case .usage = self { return exitCodeUsage }
        return 1
    }
}

/// A 4xx/5xx answer, with the error envelope's fields
/// (`{"error":{"code","message","retryable","agent_action","request_id"}}`).
struct ServerError: Error, Equatable, CustomStringConvertible {
    var status: Int
    var code: String
    var message: String
    var agentAction: String?
    var requestID: String?
    /// The body as received, for `--output json`.
    var body: Data

    init(status: Int, body: Data) {
        self.status = status
        self.body = body
        let envelope = (try? JSONDecoder().decode(JSONValue.self, from: body))?["error"]
        if let envelope, let code = envelope["code"]?.stringValue {
            self.code = code
            message = envelope["message"]?.stringValue ?? "(no message)"
            agentAction = envelope["agent_action"]?.stringValue
            requestID = envelope["request_id"]?.stringValue
        } else {
            code = "http_\(status)"
            message = "HTTP \(status): " + ProvisionerClient.Response.excerpt(body)
            agentAction = nil
            requestID = nil
        }
    }

    var description: String { "\(message) (\(code), HTTP \(status))" }
}
