import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP side of the harness: one AsyncHTTPClient with a connection per concurrent client.
struct LoadClient: Sendable {
    let http: HTTPClient
    let baseURL: String
    /// When set, requests take turns across these servers instead of going to `baseURL`.
    var rotation: ReplicaRotation?

    static func make(baseURL: String, connections: Int) -> LoadClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: max(connections, 8))
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        return LoadClient(http: http, baseURL: baseURL)
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends one request and returns the status and the body as a string.
    func send(_ method: HTTPMethod, _ path: String, body: String? = nil, service: Bool = false) async throws
        -> (status: Int, body: String)
    {
        var request = HTTPClientRequest(url: (rotation?.next() ?? baseURL) + path)
        request.method = method
        if service { request.headers.add(name: "Authorization", value: "Bearer \(BenchFixtures.serviceToken)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// Runs `clients` closed-loop clients until `duration` has passed; returns what each produced
    /// and the wall time until the last one finished.
    static func closedLoop<Result: Sendable>(
        clients: Int, duration: Duration,
        _ body: @escaping @Sendable (_ client: Int, _ deadline: ContinuousClock.Instant) async -> Result
    ) async -> (results: [Result], elapsed: Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + duration
        let results = await withTaskGroup(of: Result.self) { group in
            for client in 0..<clients {
                group.addTask { await body(client, deadline) }
            }
            var results: [Result] = []
            for await result in group { results.append(result) }
            return results
        }
        return (results, clock.now - start)
    }
}

/// Reads a top-level string field out of a JSON body without decoding it all (cheap on the
/// client side, which shares the machine with the server).
func jsonString(_ field: String, in body: String) -> String? {
    guard let range = body.range(of: "\"\(field)\":\"") else { return nil }
    let rest = body[range.upperBound...]
    guard let end = rest.firstIndex(of: "\"") else { return nil }
    return String(rest[..<end])
}
