import Foundation

/// What one `wrk` run measured, as its Lua `done()` printed it (one JSON line, see ``WrkLoad/doneFunction``).
struct WrkOutput: Decodable, Sendable {
    var requests: Int
    var durationMicros: Double
    var connectErrors: Int
    var readErrors: Int
    var writeErrors: Int
    var timeouts: Int
    /// Responses with a status of 400 or more (wrk's own count).
    var httpErrors: Int
    var p50Micros: Double
    var p99Micros: Double
    var maxMicros: Double
    /// Per-thread counters of scripts that keep them (the cycle script: completed and failed cycles).
    var cycles: Int
    var failedCycles: Int
    /// CPU seconds wrk itself used (measured around its run, not printed by wrk).
    var clientCPUSeconds = 0.0

    var seconds: Double { durationMicros / 1_000_000 }
    var errors: Int { connectErrors + readErrors + writeErrors + timeouts + httpErrors }
    var latency: LatencySummary {
        LatencySummary(count: requests, p50: p50Micros / 1000, p99: p99Micros / 1000, max: maxMicros / 1000)
    }

    enum CodingKeys: String, CodingKey {
        case requests
        case durationMicros = "duration_us"
        case connectErrors = "connect"
        case readErrors = "read"
        case writeErrors = "write"
        case timeouts = "timeout"
        case httpErrors = "status"
        case p50Micros = "p50_us"
        case p99Micros = "p99_us"
        case maxMicros = "max_us"
        case cycles
        case failedCycles = "failed_cycles"
    }
}

/// Load phases driven by `wrk` (2 threads, 64 connections): a client that is not the limit on
/// this machine, unlike the bench's own AsyncHTTPClient loop (issue 13, "The load client is a
/// bottleneck too").
enum WrkLoad {
    static let threads = 2
    static let connections = 64
    static var clientName: String { "wrk, \(threads) threads, \(connections) connections" }

    /// Whether `wrk` is installed (scripts/install-deps installs it).
    static var path: String? {
        ["/usr/bin/wrk", "/usr/local/bin/wrk"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Collects the threads so `done()` can add up their counters, and prints the result line.
    static let doneFunction = """
        local wrk_threads = {}
        setup = function(thread)
          thread:set("thread_index", #wrk_threads + 1)
          table.insert(wrk_threads, thread)
        end
        done = function(summary, latency, requests)
          local cycles, failed = 0, 0
          for _, thread in ipairs(wrk_threads) do
            cycles = cycles + (tonumber(thread:get("cycles")) or 0)
            failed = failed + (tonumber(thread:get("failed_cycles")) or 0)
          end
          local e = summary.errors
          io.write(string.format(
            '\(resultPrefix){"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
            '"status":%d,"p50_us":%.1f,"p99_us":%.1f,"max_us":%.1f,"cycles":%d,"failed_cycles":%d}\\n',
            summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
            latency:percentile(50), latency:percentile(99), latency.max, cycles, failed))
        end
        """

    static let resultPrefix = "WRK_RESULT "

    /// Runs wrk against `url` for `duration` with `script` (plus ``doneFunction``) and returns its result line.
    static func run(url: String, script: String, name: String, duration: Duration, directory: URL) throws
        -> WrkOutput
    {
        guard let wrk = path else { throw BenchError("wrk is not installed (scripts/install-deps installs it)") }
        let scriptFile = directory.appendingPathComponent("\(name).lua")
        try (script + "\n" + doneFunction + "\n").write(to: scriptFile, atomically: true, encoding: .utf8)
        let outputFile = directory.appendingPathComponent("\(name).wrk.txt")
        FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let seconds = max(1, Int(duration.seconds.rounded()))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = [
            "-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--timeout", "30s", "-s", scriptFile.path, url,
        ]
        process.standardOutput = FileHandle(forWritingAtPath: outputFile.path)
        process.standardError = FileHandle(forWritingAtPath: outputFile.path)
        let childrenCPUBefore = ProcessCPU.waitedChildrenSeconds()
        try process.run()
        process.waitUntilExit()
        let clientCPUSeconds = ProcessCPU.waitedChildrenSeconds() - childrenCPUBefore
        let text = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0,
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(resultPrefix) })
        else {
            throw BenchError(
                "wrk (\(name)) exited \(process.terminationStatus) without a result:\n\(text.suffix(2000))")
        }
        do {
            var output = try JSONDecoder().decode(WrkOutput.self, from: Data(line.dropFirst(resultPrefix.count).utf8))
            output.clientCPUSeconds = clientCPUSeconds
            return output
        } catch {
            throw BenchError("wrk (\(name)) printed an unreadable result '\(line)': \(error)")
        }
    }

    /// The request rate of `GET path` (one fixed request, wrk's fastest mode).
    static func rate(baseURL: String, path: String, name: String, duration: Duration, directory: URL) throws
        -> RateResult
    {
        let output = try run(url: baseURL + path, script: "", name: name, duration: duration, directory: directory)
        return RateResult(output, client: clientName)
    }

    /// The request rate of `GET /v1/vm/{id}/status`, rotating over `ids` (requests formatted once, up front).
    static func statusRate(baseURL: String, ids: [String], duration: Duration, directory: URL) throws -> RateResult {
        let list = ids.map { "\"/v1/vm/\($0)/status\"" }.joined(separator: ",")
        let script = """
            local paths = {\(list)}
            local prepared = {}
            local next_index = 0
            init = function(args)
              for i, path in ipairs(paths) do prepared[i] = wrk.format("GET", path) end
              next_index = (thread_index or 1) * 7
            end
            request = function()
              next_index = next_index % #prepared + 1
              return prepared[next_index]
            end
            """
        let output = try run(
            url: baseURL + "/v1/vm/\(ids[0])/status", script: script, name: "status-reads", duration: duration,
            directory: directory)
        return RateResult(output, client: clientName)
    }
}

extension RateResult {
    init(_ output: WrkOutput, client: String) {
        self.init(
            clients: WrkLoad.connections, seconds: output.seconds, requests: output.requests, errors: output.errors,
            perSecond: Double(output.requests) / max(output.seconds, 0.001), latency: output.latency, client: client)
    }
}
