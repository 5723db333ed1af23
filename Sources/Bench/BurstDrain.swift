import Foundation
import GRDB

/// A burst of orders driven by `wrk`, then the rate at which the server provisions them.
struct BurstDrainResult: Codable, Sendable {
    /// The load client that drove the burst.
    var client: String
    var burstSeconds: Double
    /// Orders answered 202 during the burst (from the store: every stored order was acknowledged or cut off).
    var ordersAccepted: Int
    var ordersPerSecond: Double
    /// Orders provisioned by the end of the drain.
    var provisioned: Int
    /// From the start of the burst until the last order was provisioned.
    var drainSeconds: Double
    var vmsPerSecond: Double
}

enum BurstDrain {
    /// Whether `wrk` is installed (scripts/install-deps installs it).
    static var wrkPath: String? { WrkLoad.path }

    /// Runs `wrk` with 2 threads and 64 connections for `duration`, POSTing free-plan orders with
    /// distinct user ids, then polls the store (read-only) until nothing is left to provision.
    static func measure(baseURL: String, storePath: String, duration: Duration, directory: URL) async throws
        -> BurstDrainResult
    {
        guard let wrk = wrkPath else { throw BenchError("wrk is not installed (scripts/install-deps installs it)") }
        let script = directory.appendingPathComponent("burst.lua")
        try """
        local counter = 0
        request = function()
          counter = counter + 1
          local body = string.format('{"user_id":"burst-%d-%d","plan":"trial"}', math.random(1, 1000000000), counter)
          return wrk.format("POST", "/v1/vm", {
            ["Content-Type"] = "application/json",
            ["Authorization"] = "Bearer \(BenchFixtures.serviceToken)"}, body)
        end
        """.write(to: script, atomically: true, encoding: .utf8)
        let seconds = max(1, Int(duration.seconds.rounded()))
        let clock = ContinuousClock()
        let start = clock.now
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t2", "-c64", "-d\(seconds)s", "-s", script.path, baseURL + "/v1/vm"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let burst = clock.now - start
        let reader = try DatabaseQueue(path: storePath, configuration: readOnly)
        var provisioned = 0
        var accepted = 0
        var drained = burst
        for _ in 0..<6000 {
            let counts = try await reader.read { db -> (Int, Int) in
                let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM allocations WHERE user_id LIKE 'burst-%'")
                let done = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM allocations WHERE user_id LIKE 'burst-%' AND state = 'provisioned'")
                return (total ?? 0, done ?? 0)
            }
            (accepted, provisioned) = counts
            drained = clock.now - start
            if provisioned >= accepted { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        try reader.close()
        return BurstDrainResult(
            client: WrkLoad.clientName, burstSeconds: burst.seconds, ordersAccepted: accepted,
            ordersPerSecond: Double(accepted) / max(burst.seconds, 0.001), provisioned: provisioned,
            drainSeconds: drained.seconds, vmsPerSecond: Double(provisioned) / max(drained.seconds, 0.001))
    }

    private static var readOnly: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        return configuration
    }
}
