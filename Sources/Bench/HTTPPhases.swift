import Foundation
import NIOHTTP1

/// One closed-loop request-rate measurement (no-op route, public status reads).
struct RateResult: Codable, Sendable {
    var clients: Int
    var seconds: Double
    var requests: Int
    var errors: Int
    var perSecond: Double
    var latency: LatencySummary
    /// The load client that measured this.
    var client = HTTPPhases.benchClientName
}

/// One allocation-cycle measurement: create (free plan) -> provisioned -> release.
struct CycleResult: Codable, Sendable {
    var backend: String
    var clients: Int
    var seconds: Double
    var cycles: Int
    var errors: Int
    var cyclesPerSecond: Double
    var create: LatencySummary
    var statusPoll: LatencySummary
    var release: LatencySummary
    /// Client-observed: POST sent -> first status read saying `provisioned`.
    var timeToProvisioned: LatencySummary
    /// Time to provisioned minus the backend's own median allocate time (measured in-process).
    var frameworkOverhead: LatencySummary
    var backendAllocateMedianMs: Double
    /// Store transactions per completed cycle during the phase (read from the server's counters).
    var transactionsPerCycle = 0.0
    /// Durable commits (fsyncs) per completed cycle: below the transactions when group commit
    /// batched concurrent ones.
    var commitsPerCycle = 0.0
    /// The load client that drove the cycles.
    var client = HTTPPhases.benchClientName
    /// Every request of the phase (create, status reads, release) together: what wrk reports,
    /// which cannot tell the steps of a cycle apart.
    var requestLatency = LatencySummary.zero

    /// CPU the server spent per completed cycle, in ms (wrk rows; 0 when not measured).
    var serverCPUPerCycleMs = 0.0
    /// CPU the load client spent per completed cycle, in ms (wrk rows; 0 when not measured).
    var clientCPUPerCycleMs = 0.0

    /// Requests per completed cycle (wrk rows): the polls a cycle took, plus its create and release.
    var requestsPerCycle: Double { cycles > 0 ? Double(requestLatency.count) / Double(cycles) : 0 }
}

enum HTTPPhases {
    static let benchClientName = "provisioner-bench (AsyncHTTPClient)"

    /// Requests per second of `path` with `clients` closed-loop clients.
    static func rate(
        _ client: LoadClient, path: @escaping @Sendable (Int, Int) -> String, clients: Int,
        duration: Duration
    ) async -> RateResult {
        let (results, elapsed) = await LoadClient.closedLoop(clients: clients, duration: duration) {
            index, deadline in
            var latency = LatencyRecorder()
            var errors = 0
            var sent = 0
            let clock = ContinuousClock()
            while clock.now < deadline {
                let start = clock.now
                do {
                    let response = try await client.send(.GET, path(index, sent))
                    if response.status != 200 { errors += 1 }
                } catch {
                    errors += 1
                }
                latency.record(clock.now - start)
                sent += 1
            }
            return (latency, errors)
        }
        var latency = LatencyRecorder()
        for result in results { latency.merge(result.0) }
        let errors = results.reduce(0) { $0 + $1.1 }
        return RateResult(
            clients: clients, seconds: elapsed.seconds, requests: latency.count, errors: errors,
            perSecond: Double(latency.count) / elapsed.seconds, latency: latency.summary)
    }

    /// Creates `count` free-plan VMs and waits until each is provisioned; returns their ids.
    static func provisionedVMs(_ client: LoadClient, count: Int) async throws -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            let created = try await client.send(
                .POST, "/v1/vm", body: "{\"user_id\":\"reader-\(index)\",\"plan\":\"trial\"}", service: true)
            guard created.status == 202, let id = jsonString("vm_id", in: created.body) else {
                throw BenchError("create for the read phase gave \(created.status): \(created.body.prefix(300))")
            }
            ids.append(id)
        }
        for id in ids {
            for attempt in 0... {
                let status = try await client.send(.GET, "/v1/vm/\(id)/status")
                if jsonString("launch_proof_status", in: status.body) == "provisioned" { break }
                guard attempt < 5000 else { throw BenchError("\(id) never became provisioned: \(status.body)") }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        return ids
    }

    /// Allocation cycles with `clients` concurrent clients.
    static func cycles(
        _ client: LoadClient, backend: String, clients: Int, duration: Duration, backendAllocateMedian: Double,
        run: Int
    ) async -> CycleResult {
        struct ClientResult: Sendable {
            var create = LatencyRecorder()
            var poll = LatencyRecorder()
            var release = LatencyRecorder()
            var toProvisioned = LatencyRecorder()
            var overhead = LatencyRecorder()
            var cycles = 0
            var errors = 0
        }
        let (results, elapsed) = await LoadClient.closedLoop(clients: clients, duration: duration) {
            index, deadline in
            var result = ClientResult()
            let clock = ContinuousClock()
            var sequence = 0
            while clock.now < deadline {
                sequence += 1
                let start = clock.now
                do {
                    let created = try await client.send(
                        .POST, "/v1/vm", body: "{\"user_id\":\"bench-\(run)-\(index)-\(sequence)\",\"plan\":\"trial\"}",
                        service: true)
                    result.create.record(clock.now - start)
                    guard created.status == 202, let id = jsonString("vm_id", in: created.body) else {
                        result.errors += 1
                        try await Task.sleep(for: .milliseconds(5))
                        continue
                    }
                    var state = jsonString("launch_proof_status", in: created.body) ?? ""
                    while state != "provisioned" {
                        if ["failed", "rolled_back", "degraded"].contains(state) { break }
                        if clock.now - start > .seconds(60) { break }
                        let pollStart = clock.now
                        let status = try await client.send(.GET, "/v1/vm/\(id)/status")
                        result.poll.record(clock.now - pollStart)
                        state = jsonString("launch_proof_status", in: status.body) ?? ""
                        if state != "provisioned" { try await Task.sleep(for: .milliseconds(1)) }
                    }
                    guard state == "provisioned" else {
                        result.errors += 1
                        continue
                    }
                    let provisioned = clock.now - start
                    result.toProvisioned.record(provisioned)
                    result.overhead.record(micros: Double(provisioned.microseconds) - backendAllocateMedian * 1000)
                    let releaseStart = clock.now
                    let released = try await client.send(.DELETE, "/v1/vm/\(id)", service: true)
                    result.release.record(clock.now - releaseStart)
                    if released.status == 200 || released.status == 202 {
                        result.cycles += 1
                    } else {
                        result.errors += 1
                    }
                } catch {
                    result.errors += 1
                }
            }
            return result
        }
        var total = ClientResult()
        for result in results {
            total.create.merge(result.create)
            total.poll.merge(result.poll)
            total.release.merge(result.release)
            total.toProvisioned.merge(result.toProvisioned)
            total.overhead.merge(result.overhead)
            total.cycles += result.cycles
            total.errors += result.errors
        }
        return CycleResult(
            backend: backend, clients: clients, seconds: elapsed.seconds, cycles: total.cycles, errors: total.errors,
            cyclesPerSecond: Double(total.cycles) / elapsed.seconds, create: total.create.summary,
            statusPoll: total.poll.summary, release: total.release.summary,
            timeToProvisioned: total.toProvisioned.summary, frameworkOverhead: total.overhead.summary,
            backendAllocateMedianMs: backendAllocateMedian)
    }
}
