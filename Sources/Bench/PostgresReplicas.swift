import Foundation
import NIOHTTP1

/// The allocation cycles again, on PostgreSQL with two replicas: two release-built
/// `provisioner serve` processes on one database, the same pool file and client counts as the
/// SQLite pool rows, every client's requests taking turns across both replicas (a round-robin
/// load balancer). Next to them, the PostgreSQL server's own durable-commit ceiling, and a check
/// of the database afterwards that no order was lost or doubled and no VM held twice.
struct PostgresReplicasResult: Codable, Sendable {
    /// Why the phase did not run (no PostgreSQL); nil when it ran.
    var skipped: String?
    var replicas = 2
    var poolSize = 0
    /// `server_version`, and whether commits wait for the disk (`fsync`, `synchronous_commit`).
    var serverVersion = ""
    var fsync = ""
    var synchronousCommit = ""
    var ceiling: [CeilingResult] = []
    var cycles: [CycleResult] = []
    var consistency = ReplicaConsistency()

    var durable: Bool { fsync == "on" && synchronousCommit != "off" }
    var ceilingCommitsPerSecond: Double { ceiling.map(\.commitsPerSecond).max() ?? 0 }

    static func notRun(_ reason: String) -> PostgresReplicasResult {
        PostgresReplicasResult(skipped: reason)
    }
}

enum PostgresReplicas {
    static let replicaNames = ["pg-replica-a", "pg-replica-b"]

    /// Runs the phase, or returns it skipped with the reason when no PostgreSQL was given.
    static func measure(
        binary: String, directory: URL, plan: BenchPlan, poolFile: String, backendAllocateMedian: Double,
        log: (String) -> Void
    ) async throws -> PostgresReplicasResult {
        let postgres: BenchPostgres
        switch BenchPostgres.fromEnvironment() {
        case .success(let server): postgres = server
        case .failure(let reason):
            log("PostgreSQL replicas SKIPPED: \(reason)")
            return .notRun(reason.description)
        }
        var result = PostgresReplicasResult(poolSize: plan.servingPoolSize)
        (result.serverVersion, result.fsync, result.synchronousCommit) = try await postgres.settings()
        let suffix = UUID().uuidString.prefix(8).lowercased()

        let ceilingDatabase = "provisioner_bench_ceiling_\(suffix)"
        try await PostgresCeiling.prepare(postgres, database: ceilingDatabase)
        for writers in [1, 16] {
            log("PostgreSQL durability ceiling, \(writers) connection(s)")
            result.ceiling.append(
                try await PostgresCeiling.measure(
                    postgres, database: ceilingDatabase, writers: writers, duration: plan.phase))
        }
        await postgres.dropDatabase(ceilingDatabase)

        let database = "provisioner_bench_replicas_\(suffix)"
        try await postgres.createDatabase(database)
        var environment = BenchFixtures.environment
        environment["PROVISIONER_BENCH_DATABASE_URL"] = postgres.url(database: database)
        var servers: [ServerProcess] = []
        var clients: [LoadClient] = []
        do {
            for name in replicaNames {
                log("starting \(name) (PostgreSQL, pool of \(plan.servingPoolSize) VMs)")
                let config = try BenchFixtures.postgresPoolConfig(
                    poolFile: poolFile, urlEnv: "PROVISIONER_BENCH_DATABASE_URL", nodeID: name, in: directory,
                    name: name)
                servers.append(
                    try await ServerProcess.launch(
                        binary: binary, config: config, directory: directory, name: name, environment: environment))
            }
            // One client per replica for its own /metrics, one whose requests alternate for the load.
            clients = servers.map { LoadClient.make(baseURL: $0.baseURL, connections: 4) }
            let load = LoadClient.make(rotatingAcross: servers.map(\.baseURL), connections: 64)
            clients.append(load)
            for client in clients.prefix(servers.count) { _ = try await client.send(.GET, "/readyz") }
            let perReplica = Array(clients.prefix(servers.count))
            for count in plan.clientCounts {
                log("PostgreSQL (2 replicas) pool cycles, \(count) client(s)")
                let before = try await counters(perReplica)
                var cycle = await HTTPPhases.cycles(
                    load, backend: "pool", clients: count, duration: plan.phase,
                    backendAllocateMedian: backendAllocateMedian, run: count)
                let spent = try await counters(perReplica) - before
                cycle.transactionsPerCycle = Double(spent.transactions) / Double(max(cycle.cycles, 1))
                cycle.commitsPerCycle = Double(spent.commits) / Double(max(cycle.cycles, 1))
                result.cycles.append(cycle)
            }
            log("checking the database after the replicas' cycles")
            result.consistency = try await ReplicaConsistency.check(
                postgres, database: database, cycles: result.cycles.map(\.cycles).reduce(0, +),
                errors: result.cycles.map(\.errors).reduce(0, +))
            for problem in result.consistency.problems { log("PostgreSQL replicas INCONSISTENT: \(problem)") }
        } catch {
            await stop(clients, servers)
            await postgres.dropDatabase(database)
            throw error
        }
        await stop(clients, servers)
        await postgres.dropDatabase(database)
        return result
    }

    /// Both replicas' store counters, summed (each counts what it committed itself).
    private static func counters(_ replicas: [LoadClient]) async throws -> StoreCounters {
        var total = StoreCounters()
        for replica in replicas {
            let counters = try await StoreCounters.read(replica)
            total.transactions += counters.transactions
            total.commits += counters.commits
        }
        return total
    }

    private static func stop(_ clients: [LoadClient], _ servers: [ServerProcess]) async {
        for client in clients { await client.shutdown() }
        for server in servers { await server.stop() }
    }
}
