import AsyncHTTPClient
import Foundation
import Host
import NIOCore
import NIOHTTP1

/// A client for a running provisioner server's HTTP API, shared by every client subcommand
/// (`vm`, `pool`, and the commands for hosts, ops and the agent).
///
/// Sends through an AsyncHTTPClient `HTTPClient` (SwiftNIO; no libcurl) that ``ClientRun`` opens
/// for the command and shuts down after it. A 4xx/5xx answer is
/// thrown as ``ServerError`` with the envelope's code, message and `agent_action`; a server that
/// cannot be reached is ``ClientError/unreachable(server:detail:)``.
struct ProvisionerClient: Sendable {
    /// Which bearer token a route takes.
    enum Credential: Sendable {
        /// No token (public routes).
        case none
        /// The service token (`/v1` routes).
        case service
        /// The admin secret (`/admin` routes).
        case admin
    }

    /// An answer with a 2xx status.
    struct Response: Sendable {
        var status: Int
        var headers: [(String, String)]
        /// The body as received; `--output json` prints it unchanged.
        var body: Data

        /// The body parsed as JSON.
        func json() throws -> JSONValue {
            do {
                return try JSONDecoder().decode(JSONValue.self, from: body)
            } catch {
                throw ClientError.unexpectedAnswer("the server's answer is not JSON: \(Self.excerpt(body))")
            }
        }

        static func excerpt(_ body: Data) -> String {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            return body.count > 200 ? text + "…" : text
        }
    }

    /// The server's base URL, without a trailing slash (`http://127.0.0.1:8080`).
    let server: String
    /// The credentials the routes take.
    let credentials: ClientCredentials
    /// How long one request may take.
    var requestTimeout: TimeAmount = .seconds(30)
    let httpClient: HTTPClient

    /// The HTTP client settings of a command: a refused connection fails at once (a CLI should say
    /// "not reachable" now, not retry for the whole request timeout), and connecting may take 10 s.
    static var httpConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return configuration
    }

    /// A client for `server`.
    ///
    /// - Throws: ``ClientError/usage(_:)`` when `server` is not an http(s) URL.
    init(server: String, credentials: ClientCredentials, httpClient: HTTPClient) throws {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme),
            url.host != nil, url.query == nil
        else {
            throw ClientError.usage("--server '\(server)' is not an http:// or https:// URL")
        }
        self.server = base
        self.credentials = credentials
        self.httpClient = httpClient
    }

    /// Sends one request and returns a 2xx answer.
    ///
    /// - Parameters:
    ///   - path: The route with its ids already in place (see ``segment(_:)``).
    ///   - query: Query parameters, sent in this order.
    ///   - body: A JSON body, or raw bytes with `contentType`.
    /// - Throws: ``ServerError`` for a 4xx/5xx answer, ``ClientError`` when the server cannot be
    ///   reached or the credential is not set.
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], json body: JSONValue? = nil,
        credential: Credential
    ) async throws -> Response {
        try await send(
            method, path, query: query, body: body.map { Data($0.serialized.utf8) }, contentType: "application/json",
            credential: credential)
    }

    /// Sends raw bytes (a pool file) and returns a 2xx answer; see ``send(_:_:query:json:credential:)``.
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data?, contentType: String,
        credential: Credential
    ) async throws -> Response {
        var request = HTTPClientRequest(url: server + path + Self.queryString(query))
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "provisioner-cli")
        if let token = try credentials.token(for: credential) {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: requestTimeout)
            bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        } catch {
            throw ClientError.unreachable(server: server, detail: "\(error)")
        }
        let data = Data(bytes.readableBytesView)
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else { throw ServerError(status: status, body: data) }
        return Response(status: status, headers: response.headers.map { ($0.name, $0.value) }, body: data)
    }

    /// `id` as one path segment: percent-encoded so a `/` or `?` in it cannot change the route.
    static func segment(_ id: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%")
        return id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id
    }

    private static func queryString(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        let pairs = query.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }
        return "?" + pairs.joined(separator: "&")
    }
}
