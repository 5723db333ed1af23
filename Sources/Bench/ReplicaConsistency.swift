import Foundation
import PostgresNIO

/// What the database holds after the replicas' cycles, read straight from PostgreSQL: no order
/// lost or doubled across the two replicas, no VM held twice, no claim left behind.
struct ReplicaConsistency: Codable, Sendable {
    /// Allocations by state once nothing is in flight.
    var allocationsByState: [String: Int] = [:]
    /// Cycles the clients completed (their release answered 200/202), and their errors.
    var cyclesCompleted = 0
    var clientErrors = 0
    /// VMs held by more than one allocation that holds a VM.
    var vmsHeldTwice = 0
    /// Pool claims `assigned` to an allocation that no longer holds its VM (a VM lost to the pool).
    var claimsWithoutHolder = 0
    /// Allocations holding a VM without the matching `assigned` claim.
    var holdersWithoutClaim = 0
    /// Everything above that is wrong, in words; empty when the phase was consistent.
    var problems: [String] = []

    var released: Int { allocationsByState["released"] ?? 0 }
    var total: Int { allocationsByState.values.reduce(0, +) }

    static let inFlight = ["payment_required", "paid", "provisioning", "releasing"]
    static let holding = ["provisioned", "degraded"]

    /// Waits (up to `settle`) until no allocation is in flight, then checks the database against
    /// what the clients saw.
    static func check(
        _ postgres: BenchPostgres, database: String, cycles: Int, errors: Int, settle: Duration = .seconds(60)
    ) async throws -> ReplicaConsistency {
        try await postgres.with(database: database) { connection in
            func count(_ sql: String) async throws -> Int {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: BenchPostgres.logger)
                for try await value in rows.decode(Int.self) { return value }
                return 0
            }
            let inFlightStates = inFlight.map { "'\($0)'" }.joined(separator: ", ")
            let holdingStates = holding.map { "'\($0)'" }.joined(separator: ", ")
            let clock = ContinuousClock()
            let start = clock.now
            var pending = try await count("SELECT count(*) FROM allocations WHERE state IN (\(inFlightStates))")
            while pending > 0 && clock.now - start < settle {
                try await Task.sleep(for: .milliseconds(50))
                pending = try await count("SELECT count(*) FROM allocations WHERE state IN (\(inFlightStates))")
            }
            var result = ReplicaConsistency(cyclesCompleted: cycles, clientErrors: errors)
            let rows = try await connection.query(
                "SELECT state, count(*) FROM allocations GROUP BY state", logger: BenchPostgres.logger)
            for try await (state, number) in rows.decode((String, Int).self) {
                result.allocationsByState[state] = number
            }
            result.vmsHeldTwice = try await count(
                """
                SELECT count(*) FROM (SELECT vm::json->>'backendRef' FROM allocations
                    WHERE state IN (\(holdingStates)) GROUP BY 1 HAVING count(*) > 1) AS twice
                """)
            result.claimsWithoutHolder = try await count(
                """
                SELECT count(*) FROM resource_claims c LEFT JOIN allocations a ON a.id = c.allocation_id
                    WHERE c.state = 'assigned' AND (a.state IS NULL OR a.state NOT IN (\(holdingStates)))
                """)
            result.holdersWithoutClaim = try await count(
                """
                SELECT count(*) FROM allocations a WHERE a.state IN (\(holdingStates)) AND NOT EXISTS (
                    SELECT 1 FROM resource_claims c WHERE c.allocation_id = a.id AND c.state = 'assigned'
                        AND c.resource = a.vm::json->>'backendRef')
                """)
            result.problems = result.findProblems(stillInFlight: pending, settle: settle)
            return result
        }
    }

    private func findProblems(stillInFlight: Int, settle: Duration) -> [String] {
        var problems: [String] = []
        if stillInFlight > 0 {
            problems.append("\(stillInFlight) allocation(s) still in flight \(settle) after the load stopped")
        }
        if vmsHeldTwice > 0 { problems.append("\(vmsHeldTwice) VM(s) held by two allocations at once") }
        if claimsWithoutHolder > 0 {
            problems.append("\(claimsWithoutHolder) pool claim(s) assigned to an allocation not holding the VM")
        }
        if holdersWithoutClaim > 0 {
            problems.append("\(holdersWithoutClaim) allocation(s) hold a VM without its claim")
        }
        // Every completed cycle is one released allocation; an order the clients gave up on (an
        // error) may have left one allocation more, never two.
        if released < cyclesCompleted {
            problems.append(
                "\(cyclesCompleted) cycles completed but only \(released) allocations are released (releases lost)")
        }
        if total > cyclesCompleted + clientErrors {
            problems.append(
                "\(total) allocations in the database for \(cyclesCompleted) cycles and \(clientErrors) errors "
                    + "(orders doubled)")
        }
        return problems
    }
}
