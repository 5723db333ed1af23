import Foundation

/// Allocation cycles (create -> provisioned -> release) driven by `wrk`, so the cycle rate is not
/// capped by the bench's own client.
///
/// wrk's `response()` does not say which connection (or which request) it answers, so the Lua
/// script is a state machine keyed by the response body instead: a create or a status read names
/// the VM and its `launch_proof_status`, a release answers with the service view and
/// `"release_requested":true`. Each response queues the cycle's next request in its thread; the
/// next connection that is ready sends it (any connection may carry any cycle: HTTP is stateless
/// here), and a connection with nothing queued starts a new cycle. A status poll is sent after
/// 1 ms (`delay()`), like the bench's own client, so the polls do not crowd out the work. Completed and failed cycles are
/// per-thread counters that `done()` adds up.
enum WrkCycles {
    /// Drives the cycles against the server at `baseURL`, process `serverPID` (whose CPU time the
    /// result reports per cycle, next to wrk's own).
    static func measure(
        baseURL: String, serverPID: Int32, backend: String, run: Int, duration: Duration, directory: URL
    ) throws -> CycleResult {
        let script = """
            local token = "Bearer \(BenchFixtures.serviceToken)"
            local queue, head, tail, sequence = {}, 1, 0, 0
            cycles, failed_cycles = 0, 0
            local function push(request, poll) tail = tail + 1; queue[tail] = {request = request, poll = poll} end
            -- A status poll waits 1 ms first, as the bench's own client does between polls.
            delay = function()
              if head <= tail and queue[head].poll then return 1 end
              return 0
            end
            request = function()
              if head <= tail then
                local queued = queue[head]
                queue[head] = nil
                head = head + 1
                return queued.request
              end
              sequence = sequence + 1
              local body = string.format('{"user_id":"wrk-\(run)-%d-%d","plan":"trial"}', thread_index or 0, sequence)
              return wrk.format("POST", "/v1/vm", {["Content-Type"] = "application/json", ["Authorization"] = token}, body)
            end
            response = function(status, headers, body)
              local id = body:match('"vm_id":"([^"]+)"')
              if status >= 300 or not id then failed_cycles = failed_cycles + 1; return end
              local service_view = body:find('"user_id":', 1, true) ~= nil
              if service_view and body:find('"release_requested":true', 1, true) then
                cycles = cycles + 1
                return
              end
              local state = body:match('"launch_proof_status":"([^"]+)"')
              if state == "provisioned" then
                push(wrk.format("DELETE", "/v1/vm/" .. id, {["Authorization"] = token}), false)
              elseif state == "failed" or state == "rolled_back" or state == "degraded" then
                failed_cycles = failed_cycles + 1
              else
                push(wrk.format("GET", "/v1/vm/" .. id .. "/status"), true)
              end
            end
            """
        let serverCPUBefore = ProcessCPU.seconds(pid: serverPID)
        let output = try WrkLoad.run(
            url: baseURL + "/v1/vm", script: script, name: "cycles-\(backend)-\(run)", duration: duration,
            directory: directory)
        var result = CycleResult(
            backend: backend, clients: WrkLoad.connections, seconds: output.seconds, cycles: output.cycles,
            errors: output.failedCycles + output.connectErrors + output.readErrors + output.writeErrors
                + output.timeouts,
            cyclesPerSecond: Double(output.cycles) / max(output.seconds, 0.001), create: .zero, statusPoll: .zero,
            release: .zero, timeToProvisioned: .zero, frameworkOverhead: .zero, backendAllocateMedianMs: 0)
        result.client = WrkLoad.clientName
        if output.cycles > 0, let before = serverCPUBefore, let after = ProcessCPU.seconds(pid: serverPID) {
            result.serverCPUPerCycleMs = (after - before) * 1000 / Double(output.cycles)
            result.clientCPUPerCycleMs = output.clientCPUSeconds * 1000 / Double(output.cycles)
        }
        result.requestLatency = output.latency
        return result
    }
}
