import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1

/// Sends tens of requests at once to a test server on a real socket: a connection each, and a
/// deadline a loaded machine meets.
///
/// HummingbirdTesting's AsyncHTTPClient gives each request 15 s including its wait for one of 8
/// pooled connections; tens of requests at once on a busy CI machine waited longer
/// (`getConnectionFromPoolTimeout`), and the test failed on its client, not on what it checks.
struct BurstClient: Sendable {
    /// One answer.
    struct Response: Sendable {
        var status: Int
        var body: Data
        var headers: HTTPHeaders

        /// The body as a JSON object (empty when it is not one).
        func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
        }
    }

    let http: HTTPClient
    let port: Int

    /// Runs `body` with a client of up to `connections` connections to `localhost:port`, and shuts
    /// it down.
    static func run<T: Sendable>(port: Int, connections: Int, _ body: (BurstClient) async throws -> T)
        async throws -> T
    {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await body(BurstClient(http: http, port: port))
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// `POST path` with a JSON body.
    func post(_ path: String, json: String, headers: HTTPFields) async throws -> Response {
        var request = HTTPClientRequest(url: "http://localhost:\(port)\(path)")
        request.method = .POST
        for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await http.execute(request, timeout: .seconds(90))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Response(
            status: Int(response.status.code), body: Data(body.readableBytesView), headers: response.headers)
    }
}
