import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ProvisionerAPI

extension XAPITransport {
    /// `PUT`s `body` to `path?query` on `endpoint` with a Content-Length (XAPI wants no chunked
    /// encoding), following up to three redirects (a `302` to the pool member that holds the SR)
    /// and keeping the query when the new location has none.
    ///
    /// - Throws: ``ProvisionerError`` `backend_unavailable` (a refusal, a bad redirect) or `timeout`.
    func uploadRaw(path: String, query: String, body: [UInt8], on endpoint: XAPIEndpoint, logger: Logger)
        async throws
    {
        var target = endpoint
        var url = "\(endpoint.description)\(path)?\(query)"
        for _ in 0..<4 {
            var request = HTTPClientRequest(url: url)
            request.method = .PUT
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            request.body = .bytes(body, length: .known(Int64(body.count)))
            if target.scheme == "https" { request.tlsConfiguration = try await tlsConfiguration(for: target) }
            let prepared = request
            let client = client
            let deadline = deadline
            let (status, location, text): (HTTPResponseStatus, String?, String)
            do {
                (status, location, text) = try await withDeadline(callTimeout + .seconds(1), what: "raw VDI upload") {
                    let response = try await client.execute(prepared, timeout: deadline)
                    let answer = try await response.body.collect(upTo: 1 << 20)
                    return (response.status, response.headers.first(name: "Location"), String(buffer: answer))
                }
            } catch let error as ProvisionerError {
                throw error
            } catch {
                throw ProvisionerError.backendUnavailable("raw VDI upload to \(target): \(error)")
            }
            switch status.code {
            case 200..<300:
                logger.debug("config drive uploaded", metadata: ["xapi.host": "\(target)", "bytes": "\(body.count)"])
                return
            case 301, 302, 303, 307, 308:
                guard let location, let next = Self.redirectTarget(location, from: url, query: query),
                    let nextEndpoint = XAPIEndpoint(url: next)
                else {
                    throw ProvisionerError.backendUnavailable("raw VDI upload: unusable redirect '\(location ?? "")'")
                }
                logger.info("raw VDI upload redirected", metadata: ["xapi.host": "\(nextEndpoint)"])
                url = next
                target = nextEndpoint
            default:
                throw ProvisionerError.backendUnavailable(
                    "raw VDI upload to \(target): HTTP \(status.code) \(String(text.prefix(200)))")
            }
        }
        throw ProvisionerError.backendUnavailable("raw VDI upload: too many redirects")
    }

    /// The absolute URL a redirect names, with the original query when it has none of its own.
    static func redirectTarget(_ location: String, from current: String, query: String) -> String? {
        guard let base = URL(string: current), let resolved = URL(string: location, relativeTo: base)?.absoluteURL,
            let scheme = resolved.scheme, ["http", "https"].contains(scheme)
        else { return nil }
        var text = resolved.absoluteString
        if resolved.query == nil || resolved.query?.isEmpty == true {
            if text.hasSuffix("?") { text.removeLast() }
            text += "?" + query
        }
        return text
    }
}
