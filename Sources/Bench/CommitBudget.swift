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
    /// Runs `cycles` cycles one after the other (free plan), reading the counters around each half.
    static func measure(_ client: LoadClient, backend: String, cycles: Int) async throws -> CommitBudgetResult {
        var create = 0
        var release = 0
        for index in 0..<cycles {
            let start = try await StoreCounters.read(client)
            let created = try await client.send(
                .POST, "/v1/vm", body: "{\"user_id\":\"budget-\(backend)-\(index)\",\"plan\":\"trial\"}", service: true)
            guard created.status == 202, let id = jsonString("vm_id", in: created.body) else {
                throw BenchError("create for the commit budget gave \(created.status): \(created.body.prefix(300))")
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
        return CommitBudgetResult(
            backend: backend, cycles: cycles, createTransactions: Double(create) / Double(max(cycles, 1)),
            releaseTransactions: Double(release) / Double(max(cycles, 1)))
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
