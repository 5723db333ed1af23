import Foundation
import NIOHTTP1

/// The durable commits an allocation cycle costs, counted by the server's store (its `/metrics`
/// counters `provisioner_store_transactions_total` and `provisioner_store_commits_total`).
struct CommitBudgetResult: Codable, Sendable {
    var backend: String
    var cycles: Int
    /// Transactions per cycle from the order to `provisioned` (target <= 3).
    var createTransactions: Double
    /// Transactions per cycle of the release (target <= 2).
    var releaseTransactions: Double
    /// A paid order's cycle: the order (`payment_required`), then pay -> `provisioned` (target
    /// <= 3), then its release; `nil` when not measured.
    var paidOrderTransactions: Double?
    var paidCreateTransactions: Double?
    var paidReleaseTransactions: Double?
}

/// The store's counters as `/metrics` shows them.
struct StoreCounters: Codable, Sendable {
    var transactions = 0
    var commits = 0

    static func - (a: StoreCounters, b: StoreCounters) -> StoreCounters {
        StoreCounters(transactions: a.transactions - b.transactions, commits: a.commits - b.commits)
    }

    static func read(_ client: LoadClient) async throws -> StoreCounters {
        let metrics = try await client.send(.GET, "/metrics")
        guard metrics.status == 200 else { throw BenchError("GET /metrics gave \(metrics.status)") }
        func value(_ name: String) throws -> Int {
            guard
                let line = metrics.body.split(separator: "\n").first(where: { $0.hasPrefix(name + " ") }),
                let number = Int(line.split(separator: " ").last ?? "")
            else { throw BenchError("/metrics has no \(name)") }
            return number
        }
        return StoreCounters(
            transactions: try value("provisioner_store_transactions_total"),
            commits: try value("provisioner_store_commits_total"))
    }
}

enum CommitBudget {
    /// Runs `cycles` cycles one after the other (free plan), reading the counters around each half,
    /// then as many paid cycles (plan `paid`: order, payment, provisioned, release).
    static func measure(_ client: LoadClient, backend: String, cycles: Int) async throws -> CommitBudgetResult {
        var result = try await measure(client, backend: backend, cycles: cycles, plan: "trial")
        let paid = try await measure(client, backend: backend, cycles: cycles, plan: "paid")
        result.paidOrderTransactions = paid.paidOrderTransactions
        result.paidCreateTransactions = paid.createTransactions
        result.paidReleaseTransactions = paid.releaseTransactions
        return result
    }

    /// `cycles` cycles of `plan`; a paid plan's order is counted apart, and its create half is
    /// pay -> provisioned.
    private static func measure(_ client: LoadClient, backend: String, cycles: Int, plan: String) async throws
        -> CommitBudgetResult
    {
        var order = 0
        var create = 0
        var release = 0
        for index in 0..<cycles {
            var start = try await StoreCounters.read(client)
            let created = try await client.send(
                .POST, "/v1/vm", body: "{\"user_id\":\"budget-\(backend)-\(plan)-\(index)\",\"plan\":\"\(plan)\"}",
                service: true)
            guard created.status == 202, let id = jsonString("vm_id", in: created.body) else {
                throw BenchError("create for the commit budget gave \(created.status): \(created.body.prefix(300))")
            }
            if jsonString("launch_proof_status", in: created.body) == "payment_required" {
                let ordered = try await StoreCounters.read(client)
                order += (ordered - start).transactions
                start = ordered
                let paid = try await client.send(
                    .POST, "/v1/vm/\(id)/payment", body: "{\"status\":\"paid\",\"reference\":\"bench-\(index)\"}",
                    service: true)
                guard paid.status == 200 || paid.status == 202 else {
                    throw BenchError("payment for the commit budget gave \(paid.status): \(paid.body.prefix(300))")
                }
            }
            try await waitFor(id, "provisioned", client)
            let provisioned = try await StoreCounters.read(client)
            let released = try await client.send(.DELETE, "/v1/vm/\(id)", service: true)
            guard released.status == 200 || released.status == 202 else {
                throw BenchError("release for the commit budget gave \(released.status)")
            }
            try await waitFor(id, "released", client)
            let end = try await StoreCounters.read(client)
            create += (provisioned - start).transactions
            release += (end - provisioned).transactions
        }
        let perCycle = { (count: Int) in Double(count) / Double(max(cycles, 1)) }
        return CommitBudgetResult(
            backend: backend, cycles: cycles, createTransactions: perCycle(create),
            releaseTransactions: perCycle(release), paidOrderTransactions: perCycle(order))
    }

    private static func waitFor(_ id: String, _ state: String, _ client: LoadClient) async throws {
        for _ in 0..<10_000 {
            let status = try await client.send(.GET, "/v1/vm/\(id)/status")
            if jsonString("launch_proof_status", in: status.body) == state { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw BenchError("\(id) never became \(state)")
    }
}
