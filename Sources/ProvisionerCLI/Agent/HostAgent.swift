import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The agent's side of `POST /v1/host-report`: builds a report from ``HostFigures`` and posts it.
struct HostAgent: Sendable {
    /// The version reported as `agent_version`.
    static let version = "provisioner-agent/1"

    let server: String
    let hostID: String
    let apiKey: String
    var client: HTTPClient = .shared

    /// What the server answered.
    enum Outcome: Sendable, Equatable {
        /// 200: the envelope's poll interval and blocked flag.
        case accepted(pollIntervalSeconds: Int, blocked: Bool)
        /// Any other status, with the envelope's code and message (or the body).
        case refused(status: Int, code: String, message: String)
    }

    /// The report body for `figures` at `now`.
    func body(_ figures: HostFigures, now: Date) throws -> Data {
        var host: [String: Any] = ["hostname": figures.hostname]
        if let value = figures.cpuPercent { host["cpu_percent"] = value }
        if let value = figures.memPercent { host["mem_percent"] = value }
        if let value = figures.diskPercent { host["disk_percent"] = value }
        if let value = figures.uptimeSeconds { host["uptime_s"] = value }
        let report: [String: Any] = [
            "host_id": hostID, "reported_at": now.formatted(Date.ISO8601FormatStyle()),
            "agent_version": Self.version, "host": host, "guests": [] as [Any],
        ]
        return try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
    }

    /// Posts one report; a transport failure throws.
    func post(_ figures: HostFigures, now: Date = Date()) async throws -> Outcome {
        var request = HTTPClientRequest(url: server.trimmingSuffix("/") + "/v1/host-report")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: Array(try body(figures, now: now))))
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any]
        guard response.status == .ok else {
            let error = object?["error"] as? [String: Any]
            return .refused(
                status: Int(response.status.code), code: error?["code"] as? String ?? "",
                message: error?["message"] as? String ?? String(buffer: bytes))
        }
        return .accepted(
            pollIntervalSeconds: object?["poll_interval_seconds"] as? Int ?? 900,
            blocked: object?["blocked"] as? Bool ?? false)
    }

    /// Reports forever: every `poll_interval_seconds` the server returned, backing off
    /// exponentially (5 s doubling to 5 min) after a failure or refusal.
    func run(logger: Logger) async throws {
        var backoff = 5
        while !Task.isCancelled {
            let figures = await HostFigures.read()
            var wait: Int
            do {
                switch try await post(figures) {
                case .accepted(let interval, let blocked):
                    logger.info(
                        "report accepted",
                        metadata: [
                            "host.id": "\(hostID)", "poll_interval_seconds": "\(interval)", "blocked": "\(blocked)",
                            "load1": "\(figures.load1.map { String($0) } ?? "-")",
                        ])
                    backoff = 5
                    wait = max(1, interval)
                case .refused(let status, let code, let message):
                    logger.warning(
                        "report refused", metadata: ["status": "\(status)", "code": "\(code)", "message": "\(message)"])
                    wait = backoff
                    backoff = min(300, backoff * 2)
                }
            } catch {
                logger.warning("report failed", metadata: ["error": "\(error)"])
                wait = backoff
                backoff = min(300, backoff * 2)
            }
            try await Task.sleep(for: .seconds(wait))
        }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
