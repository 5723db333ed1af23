import Foundation
import NIOHTTP1

/// Runs every part of the benchmark in order, on this machine, in one process run.
struct BenchRunner {
    let binary: String
    let directory: URL
    let plan: BenchPlan
    var report = BenchReport()

    init(binary: String, directory: URL, plan: BenchPlan) {
        self.binary = binary
        self.directory = directory
        self.plan = plan
        report.quick = plan.quick
        report.phaseSeconds = plan.phase.seconds
    }

    /// Writes the serving pool's file and starts the pool server on a new SQLite store; its
    /// start-up time is the empty-store figure.
    mutating func launchPoolServer() async throws -> (server: ServerProcess, poolFile: String) {
        let poolFile = try BenchFixtures.writePool(size: plan.servingPoolSize, in: directory)
        let poolConfig = try BenchFixtures.poolConfig(
            poolFile: poolFile, store: directory.appendingPathComponent("pool-server.sqlite").path, in: directory,
            name: "pool-server")
        log("starting the pool server (\(plan.servingPoolSize) VMs)")
        let poolServer = try await ServerProcess.launch(
            binary: binary, config: poolConfig, directory: directory, name: "pool-server",
            environment: BenchFixtures.environment)
        report.memory.startupEmptyStoreSeconds = poolServer.startup.seconds
        return (poolServer, poolFile)
    }

    func log(_ message: String) {
        FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
    }

    mutating func run() async throws -> BenchReport {
        // 1. The durability ceiling.
        for writers in [1, 16] {
            log("durability ceiling, \(writers) writer(s)")
            report.durabilityCeiling.append(
                try await DurabilityCeiling.measure(directory: directory, writers: writers, duration: plan.phase))
        }

        // 2. The backends in-process: allocate time, pool scale, refresh stalls.
        log("simulated backend allocate (in-process)")
        report.simulatedAllocate = try await PoolScale.simulatedAllocate(allocations: plan.allocationsPerCost * 4)
        for size in plan.poolSizes {
            log("pool allocation cost, pool of \(size)")
            report.poolAllocationCost.append(
                try await PoolScale.allocationCost(
                    size: size, allocations: plan.allocationsPerCost, directory: directory))
        }
        let refreshSize = plan.poolSizes.last!
        log("refreshPool(\(refreshSize)) x\(plan.refreshes) under allocations")
        report.refresh = try await PoolScale.refresh(size: refreshSize, refreshes: plan.refreshes, directory: directory)

        // 3. The real server, pool backend: HTTP ceiling, read path and allocation cycles side by side.
        let (poolServer, poolFile) = try await launchPoolServer()
        let poolClient = LoadClient.make(baseURL: poolServer.baseURL, connections: 64)
        do {
            _ = try await poolClient.send(.GET, "/readyz")
            try await Task.sleep(for: .seconds(1))
            report.memory.idlePool100kRSSMB = MemoryStartup.megabytes(poolServer.residentBytes())
            log("no-op route (GET /healthz), wrk and the bench's own client")
            report.noop = try WrkLoad.rate(
                baseURL: poolServer.baseURL, path: "/healthz", name: "noop", duration: plan.phase,
                directory: directory)
            report.noopBenchClient = await HTTPPhases.rate(
                poolClient, path: { _, _ in "/healthz" }, clients: 64, duration: plan.phase)
            let ids = try await HTTPPhases.provisionedVMs(poolClient, count: 64)
            log("public status reads (wrk)")
            report.statusReads = try WrkLoad.statusRate(
                baseURL: poolServer.baseURL, ids: ids, duration: plan.phase, directory: directory)
            log("commit budget, pool")
            report.commitBudget.append(
                try await CommitBudget.measure(poolClient, backend: "pool", cycles: plan.budgetCycles))
            let poolAllocate = report.poolAllocationCost.last?.allocate.p50 ?? 0
            try await measureCycles(
                poolClient, server: poolServer, backend: "pool", backendAllocateMedian: poolAllocate)
        } catch {
            await poolClient.shutdown()
            await poolServer.stop()
            throw error
        }
        await poolClient.shutdown()
        await poolServer.stop()

        // 3b. The same pool cycles on PostgreSQL, two replicas (skipped, saying why, without a server).
        report.postgresReplicas = try await PostgresReplicas.measure(
            binary: binary, directory: directory, plan: plan, poolFile: poolFile,
            backendAllocateMedian: report.poolAllocationCost.last?.allocate.p50 ?? 0, log: log)

        // 4. The real server, simulated backend with zero delay.
        let simConfig = try BenchFixtures.simulatedConfig(
            store: directory.appendingPathComponent("sim-server.sqlite").path, in: directory, name: "sim-server")
        log("starting the simulated server")
        let simServer = try await ServerProcess.launch(
            binary: binary, config: simConfig, directory: directory, name: "sim-server",
            environment: BenchFixtures.environment)
        let simClient = LoadClient.make(baseURL: simServer.baseURL, connections: 64)
        do {
            _ = try await simClient.send(.GET, "/readyz")
            try await Task.sleep(for: .seconds(1))
            report.memory.idleSimulatedRSSMB = MemoryStartup.megabytes(simServer.residentBytes())
            log("commit budget, simulated")
            report.commitBudget.append(
                try await CommitBudget.measure(simClient, backend: "simulated", cycles: plan.budgetCycles))
            try await measureCycles(
                simClient, server: simServer, backend: "simulated", backendAllocateMedian: report.simulatedAllocate.p50)
        } catch {
            await simClient.shutdown()
            await simServer.stop()
            throw error
        }
        await simClient.shutdown()
        await simServer.stop()

        // 5. A burst of orders (wrk) on the simulated backend at 100 ms per allocate, and its drain.
        try await measureBurstDrain()

        // 6. Memory and start-up with many active allocations in the store.
        try await measureActiveAllocations(poolFile: poolFile)
        return report
    }

    private mutating func measureBurstDrain() async throws {
        let storePath = directory.appendingPathComponent("burst.sqlite").path
        let config = try BenchFixtures.slowSimulatedConfig(
            store: storePath, delayMilliseconds: 100, in: directory, name: "burst")
        log("starting the simulated server at 100 ms per allocate (default worker config)")
        let server = try await ServerProcess.launch(
            binary: binary, config: config, directory: directory, name: "burst",
            environment: BenchFixtures.environment)
        do {
            log("burst of orders (wrk), then its drain")
            report.burstDrain = try await BurstDrain.measure(
                baseURL: server.baseURL, storePath: storePath, duration: plan.phase, directory: directory)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// The allocation cycles of one server at each client count (the bench's own client, which
    /// times every step), then one row at 64 connections driven by wrk; each row with the store
    /// transactions and commits it cost.
    private mutating func measureCycles(
        _ client: LoadClient, server: ServerProcess, backend: String, backendAllocateMedian: Double
    ) async throws {
        for clients in plan.clientCounts {
            log("\(backend) cycles, \(clients) client(s)")
            report.cycles.append(
                try await Self.counted(client) {
                    await HTTPPhases.cycles(
                        client, backend: backend, clients: clients, duration: plan.phase,
                        backendAllocateMedian: backendAllocateMedian, run: clients)
                })
        }
        log("\(backend) cycles (wrk)")
        report.cycles.append(
            try await Self.counted(client) {
                try WrkCycles.measure(
                    baseURL: server.baseURL, serverPID: server.pid, backend: backend, run: 1000, duration: plan.phase,
                    directory: directory)
            })
    }

    /// Runs a cycle phase and adds the store's transactions and commits per cycle to its result.
    private static func counted(_ client: LoadClient, _ phase: () async throws -> CycleResult) async throws
        -> CycleResult
    {
        let before = try await StoreCounters.read(client)
        var result = try await phase()
        let spent = try await StoreCounters.read(client) - before
        let cycles = Double(max(result.cycles, 1))
        result.transactionsPerCycle = Double(spent.transactions) / cycles
        result.commitsPerCycle = Double(spent.commits) / cycles
        return result
    }

    private mutating func measureActiveAllocations(poolFile: String) async throws {
        let storePath = directory.appendingPathComponent("active.sqlite").path
        let config = try BenchFixtures.poolConfig(poolFile: poolFile, store: storePath, in: directory, name: "active")
        log("seeding \(plan.activeAllocations) active allocations")
        let first = try await ServerProcess.launch(
            binary: binary, config: config, directory: directory, name: "active-seed",
            environment: BenchFixtures.environment)
        let client = LoadClient.make(baseURL: first.baseURL, connections: 4)
        let template: String
        do {
            template = try await HTTPPhases.provisionedVMs(client, count: 1)[0]
        } catch {
            await client.shutdown()
            await first.stop()
            throw error
        }
        await client.shutdown()
        await first.stop()
        // The last few VMs stay free for orders that are accepted.
        try MemoryStartup.populate(
            storePath: storePath, template: template, count: plan.activeAllocations - plan.ordersWithActiveAllocations)

        log("starting with \(plan.activeAllocations) active allocations in the store")
        let server = try await ServerProcess.launch(
            binary: binary, config: config, directory: directory, name: "active",
            environment: BenchFixtures.environment)
        report.memory.activeAllocations = plan.activeAllocations
        report.memory.startupWithAllocationsSeconds = server.startup.seconds
        let active = LoadClient.make(baseURL: server.baseURL, connections: 4)
        // Touch what an operator would: orders (each counts what occupies the pool; the first ones
        // take its last free VMs, the next are refused), a status, readiness.
        report.memory.acceptedOrders = await Self.timeOrders(
            active, users: "last", count: plan.ordersWithActiveAllocations)
        report.memory.refusedOrders = await Self.timeOrders(
            active, users: "late", count: plan.ordersWithActiveAllocations)
        _ = try? await active.send(.GET, "/v1/vm/\(template)/status")
        _ = try? await active.send(.GET, "/readyz")
        try? await Task.sleep(for: .seconds(1))
        report.memory.activeRSSMB = MemoryStartup.megabytes(server.residentBytes())
        await active.shutdown()
        await server.stop()
    }

    /// Sends `count` trial orders one after another, one user each, and times them.
    ///
    private static func timeOrders(_ client: LoadClient, users: String, count: Int) async -> BenchReport.TimedOrders {
        var orders = LatencyRecorder()
        var statuses: [Int] = []
        let clock = ContinuousClock()
        for index in 0..<count {
            let start = clock.now
            let status =
                (try? await client.send(
                    .POST, "/v1/vm", body: "{\"user_id\":\"\(users)-\(index)\",\"plan\":\"trial\"}", service: true))?
                .status ?? 0
            orders.record(clock.now - start)
            if !statuses.contains(status) { statuses.append(status) }
        }
        return BenchReport.TimedOrders(latency: orders.summary, statuses: statuses)
    }
}
