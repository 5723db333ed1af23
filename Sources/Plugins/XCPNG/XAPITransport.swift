import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ProvisionerAPI
import Synchronization

/// Posts JSON-RPC calls to one or more pool hosts over AsyncHTTPClient, with a deadline on each
/// call and the configured certificate trust.
///
/// It holds no session: ``XAPISession`` decides which host and session a call goes to. Its client
/// never follows HTTP redirects: a JSON-RPC body carries the password or a session, and moving to
/// the master is XAPI's own `HOST_IS_SLAVE` answer. Only ``uploadRaw(path:query:body:on:logger:)``
/// follows a 302, by hand, to a pool member.
final class XAPITransport: Sendable {
    /// The client every transport uses: AsyncHTTPClient's defaults, with redirects refused. A global
    /// `let` lives as long as the process, like `HTTPClient.shared`, so it is never shut down.
    static let noRedirectClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration,
            backgroundActivityLogger: Logger(label: "xapi-transport", factory: { _ in SwiftLogNoOpLogHandler() }))
    }()

    let client: HTTPClient
    private let trust: XCPNGProvisionerConfiguration.TLSTrust
    let callTimeout: Duration
    // Per-host TLS configurations (a pinned certificate is per host), guarded by the Mutex.
    private let tlsByHost: Mutex<[XAPIEndpoint: TLSConfiguration]> = Mutex([:])
    private let nextID = Atomic<Int>(1)

    init(
        trust: XCPNGProvisionerConfiguration.TLSTrust, callTimeout: Duration,
        client: HTTPClient = XAPITransport.noRedirectClient
    ) {
        self.trust = trust
        self.callTimeout = callTimeout
        self.client = client
    }

    /// Calls `method` on `endpoint` and returns its result.
    ///
    /// - Throws: ``XAPIError`` when XAPI answered with an error; ``ProvisionerError`` with
    ///   `timeout` or `backend_unavailable` when it did not answer usefully.
    func call(_ method: String, _ params: [XAPIValue], on endpoint: XAPIEndpoint, logger: Logger) async throws
        -> XAPIValue
    {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        var request = HTTPClientRequest(url: endpoint.jsonRPCURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONRPC.encodeRequest(method: method, params: params, id: id)))
        if endpoint.scheme == "https" {
            request.tlsConfiguration = try await tlsConfiguration(for: endpoint)
        }
        let client = self.client
        let prepared = request
        // AsyncHTTPClient's own deadline reports the last connection failure (a refused
        // certificate, say); ours is the backstop that also bounds reading the body.
        let connectDeadline = TimeAmount.nanoseconds(
            callTimeout.components.seconds * 1_000_000_000 + callTimeout.components.attoseconds / 1_000_000_000)
        let body: ByteBuffer
        let contentType: String
        do {
            (body, contentType) = try await withDeadline(
                callTimeout + .seconds(1), what: "XAPI \(method) on \(endpoint)"
            ) {
                let response = try await client.execute(prepared, timeout: connectDeadline)
                let body = try await response.body.collect(upTo: 64 << 20)
                guard response.status == .ok else {
                    throw ProvisionerError.backendUnavailable(
                        "XAPI \(method) on \(endpoint): HTTP \(response.status.code) "
                            + String(String(buffer: body).prefix(200)))
                }
                return (body, response.headers.first(name: "Content-Type") ?? "")
            }
        } catch let error as ProvisionerError {
            throw error
        } catch is CancellationError {
            throw ProvisionerError.timeout("XAPI \(method) on \(endpoint) was cancelled")
        } catch let error as HTTPClientError
            where [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error)
        {
            throw ProvisionerError.timeout(
                "XAPI \(method) on \(endpoint) did not answer within \(callTimeout): \(error)")
        } catch {
            throw ProvisionerError.backendUnavailable("XAPI \(method) on \(endpoint): \(error)")
        }
        guard contentType.lowercased().contains("json") else {
            throw ProvisionerError.backendUnavailable(
                "XAPI \(method) on \(endpoint) answered '\(contentType)', not JSON: the host does not speak JSON-RPC")
        }
        let outcome: JSONRPC.Outcome
        do {
            outcome = try JSONRPC.decodeResponse(Data(body.readableBytesView))
        } catch {
            throw ProvisionerError.backendUnavailable("XAPI \(method) on \(endpoint): \(error)")
        }
        switch outcome {
        case .result(let value):
            return value
        case .failure(let error):
            logger.debug("XAPI error", metadata: ["xapi.method": "\(method)", "xapi.error": "\(error)"])
            throw error
        }
    }

    var deadline: TimeAmount {
        .nanoseconds(
            callTimeout.components.seconds * 1_000_000_000 + callTimeout.components.attoseconds / 1_000_000_000)
    }

    func tlsConfiguration(for endpoint: XAPIEndpoint) async throws -> TLSConfiguration {
        if let known = tlsByHost.withLock({ $0[endpoint] }) { return known }
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch trust {
        case .system:
            break
        case .caFile(let path):
            configuration.trustRoots = .file(path)
        case .insecure:
            configuration.certificateVerification = .none
        case .pinned(let pins):
            let leaf = try await PinnedCertificateProbe.fetchPinnedCertificate(
                endpoint: endpoint, pins: pins, timeout: callTimeout)
            configuration.trustRoots = .certificates([leaf])
            configuration.certificateVerification = .noHostnameVerification
        }
        tlsByHost.withLock { $0[endpoint] = configuration }
        return configuration
    }
}
