import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A small JSON client for the admin API: `--server` (default `$PROVISIONER_URL`, else
/// `http://127.0.0.1:8080`), the admin secret from the env var the server reads.
struct AdminClient {
    let server: String
    let adminSecret: String

    /// An error envelope (or a transport failure) as one line for the terminal.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let defaultServer = "http://127.0.0.1:8080"

    /// The client for `--server` and the environment.
    static func make(server: String?, environment: [String: String]) throws -> AdminClient {
        let server = server ?? environment["PROVISIONER_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultServer
        guard let secret = environment["PROVISIONER_ADMIN_SECRET"], !secret.isEmpty else {
            throw Failure(description: "PROVISIONER_ADMIN_SECRET is not set; export the admin secret the server uses")
        }
        return AdminClient(server: server.hasSuffix("/") ? String(server.dropLast()) : server, adminSecret: secret)
    }

    /// Sends `method path` with an optional JSON body; returns the status and the JSON object.
    func send(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil) async throws -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(adminSecret)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        } catch {
            throw Failure(description: "cannot reach \(server): \(error)")
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
        let status = Int(response.status.code)
        if status >= 400 {
            let envelope = object["error"] as? [String: Any]
            let code = envelope?["code"] as? String ?? "http_\(status)"
            let message = envelope?["message"] as? String ?? "HTTP \(status)"
            let action = (envelope?["agent_action"] as? String).map { " (\($0))" } ?? ""
            throw Failure(description: "\(code): \(message)\(action)")
        }
        return (status, object)
    }
}
