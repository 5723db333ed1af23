import Foundation

/// Everything one run measured, written as JSON and printed as a table.
struct BenchReport: Codable, Sendable {
    struct Memory: Codable, Sendable {
        var idleSimulatedRSSMB = 0.0
        var idlePool100kRSSMB = 0.0
        var activeAllocations = 0
        var activeRSSMB = 0.0
        var startupEmptyStoreSeconds = 0.0
        var startupWithAllocationsSeconds = 0.0
        /// Orders for the pool's last free VMs, sent with nearly `activeAllocations` active in its
        /// store: each is accepted (202) after its admission counts what occupies the backend.
        var acceptedOrders = TimedOrders()
        /// Orders sent once `activeAllocations` fill the pool: each is refused (503).
        var refusedOrders = TimedOrders()
    }

    /// Orders sent one after another and timed.
    struct TimedOrders: Codable, Sendable {
        var latency = LatencySummary.zero
        /// The statuses they got, distinct, in order.
        var statuses: [Int] = []

        /// What is wrong with them when each should have got `expected`, described by `what`.
        func problem(expected: Int, _ what: String) -> String? {
            guard latency.count == 0 || statuses != [expected] else { return nil }
            return "\(what): \(latency.count) timed, statuses \(statuses) (expected \(expected))"
        }
    }

    struct Target: Codable, Sendable {
        var name: String
        var measured: Double
        var limit: Double
        var atMost: Bool
        var met: Bool { atMost ? measured <= limit : measured >= limit }
    }

    var quick = false
    var phaseSeconds = 0.0
    var totalSeconds = 0.0
    var machine = BenchReport.machineDescription()
    var durabilityCeiling: [CeilingResult] = []
    var noop = RateResult(clients: 0, seconds: 0, requests: 0, errors: 0, perSecond: 0, latency: .zero)
    var statusReads = RateResult(clients: 0, seconds: 0, requests: 0, errors: 0, perSecond: 0, latency: .zero)
    /// The no-op route measured by the bench's own client too, to show that client's ceiling.
    var noopBenchClient = RateResult(clients: 0, seconds: 0, requests: 0, errors: 0, perSecond: 0, latency: .zero)
    var cycles: [CycleResult] = []
    var commitBudget: [CommitBudgetResult] = []
    var burstDrain: BurstDrainResult?
    var simulatedAllocate = LatencySummary.zero
    var poolAllocationCost: [AllocationCost] = []
    var refresh = RefreshResult(
        poolSize: 0, refreshes: 0, refresh: .zero, allocationsDuringRefresh: 0, allocationFailuresDuringRefresh: 0,
        longestAllocationDuringRefreshMs: 0,
        longestAllocationWithoutRefreshMs: 0)
    var memory = Memory()
    var targets: [Target] = []
    /// The cycles on PostgreSQL with two replicas (or why they were skipped).
    var postgresReplicas: PostgresReplicasResult?

    var ceilingCommitsPerSecond: Double { durabilityCeiling.map(\.commitsPerSecond).max() ?? 0 }

    /// The cycles the bench's own client drove (they alone time each step of a cycle).
    func cycle(_ backend: String, _ clients: Int) -> CycleResult? {
        cycles.first { $0.backend == backend && $0.clients == clients && $0.client == HTTPPhases.benchClientName }
    }

    /// The cycles wrk drove (64 connections): the cycle rate without the bench client's ceiling.
    func wrkCycle(_ backend: String) -> CycleResult? {
        cycles.first { $0.backend == backend && $0.client == WrkLoad.clientName }
    }

    var costRatio: Double {
        guard let small = poolAllocationCost.first, let large = poolAllocationCost.last, small.allocateMeanMs > 0
        else { return 0 }
        return large.allocateMeanMs / small.allocateMeanMs
    }

    /// The issue's targets, as measured in this run.
    var evaluatedTargets: [Target] {
        let pool64 = cycle("pool", 64)
        let pool64Rate = wrkCycle("pool")?.cyclesPerSecond ?? pool64?.cyclesPerSecond ?? 0
        return [
            Target(name: "pool cycles/s at 64 clients (wrk)", measured: pool64Rate, limit: 2000, atMost: false),
            Target(
                name: "pool cycles/s at 64 (wrk) / durability ceiling (commits/s)",
                measured: pool64Rate / max(ceilingCommitsPerSecond, 1), limit: 0.5, atMost: false),
            Target(
                name: "framework overhead p99 at 64 clients (ms, pool)", measured: pool64?.frameworkOverhead.p99 ?? 0,
                limit: 5, atMost: true),
            Target(
                name: "status reads / no-op rate (both wrk)", measured: statusReads.perSecond / max(noop.perSecond, 1),
                limit: 0.5, atMost: false),
        ]
            + commitBudget.flatMap { budget in
                [
                    Target(
                        name: "store transactions per create -> provisioned (\(budget.backend), counted by the store)",
                        measured: budget.createTransactions, limit: 3, atMost: true),
                    Target(
                        name: "store transactions per release (\(budget.backend), counted by the store)",
                        measured: budget.releaseTransactions, limit: 2, atMost: true),
                ]
                    + (budget.paidCreateTransactions.map {
                        [
                            Target(
                                name: "store transactions per pay -> provisioned (\(budget.backend), paid order)",
                                measured: $0, limit: 3, atMost: true)
                        ]
                    } ?? [])
            } + [
                Target(
                    name: "pool cycles/s at 64 clients / at 16",
                    measured: (pool64?.cyclesPerSecond ?? 0)
                        / max(cycle("pool", 16)?.cyclesPerSecond ?? 0, 1), limit: 1, atMost: false),
                Target(
                    name: "VMs/s provisioned draining a burst (simulated, 100 ms per allocate, default config)",
                    measured: burstDrain?.vmsPerSecond ?? 0, limit: 800, atMost: false),
                Target(
                    name: "allocation cost, largest pool / 100 (mean)", measured: costRatio, limit: 1.3, atMost: true),
                Target(
                    name: "refreshPool(\(refresh.poolSize)) max (ms)", measured: refresh.refresh.max, limit: 100,
                    atMost: true),
                Target(
                    name: "longest allocation during refresh (ms)", measured: refresh.longestAllocationDuringRefreshMs,
                    limit: 10, atMost: true),
                Target(name: "RSS idle, simulated (MB)", measured: memory.idleSimulatedRSSMB, limit: 50, atMost: true),
                Target(
                    name: "RSS idle, pool of 100k (MB)", measured: memory.idlePool100kRSSMB, limit: 60, atMost: true),
                Target(
                    name: "RSS with \(memory.activeAllocations) active allocations (MB)", measured: memory.activeRSSMB,
                    limit: 250, atMost: true),
                Target(
                    name: "start-up with \(memory.activeAllocations) allocations (s)",
                    measured: memory.startupWithAllocationsSeconds, limit: 2, atMost: true),
            ]
    }

    /// What a quick run must produce for the harness to count as working (not the targets).
    func sanityProblems() -> [String] {
        var problems: [String] = []
        if ceilingCommitsPerSecond <= 0 { problems.append("no durable commits measured") }
        if noop.perSecond <= 0 || noop.errors > 0 {
            problems.append("no-op route: \(noop.requests) ok, \(noop.errors) errors")
        }
        if statusReads.perSecond <= 0 || statusReads.errors > 0 {
            problems.append("status reads: \(statusReads.requests) ok, \(statusReads.errors) errors")
        }
        if noopBenchClient.perSecond <= 0 || noopBenchClient.errors > 0 {
            problems.append(
                "no-op route, bench client: \(noopBenchClient.requests) ok, \(noopBenchClient.errors) errors")
        }
        if noop.client != WrkLoad.clientName || statusReads.client != WrkLoad.clientName {
            problems.append("the no-op route and the status reads were not measured by wrk")
        }
        for backend in ["pool", "simulated"] {
            guard let cycle = wrkCycle(backend) else {
                problems.append("\(backend) cycles not driven by wrk")
                continue
            }
            if cycle.serverCPUPerCycleMs <= 0 || cycle.clientCPUPerCycleMs <= 0 {
                problems.append(
                    "\(backend) cycles (wrk): CPU per cycle not measured (server \(cycle.serverCPUPerCycleMs) ms, "
                        + "wrk \(cycle.clientCPUPerCycleMs) ms)")
            }
        }
        for cycle in cycles where cycle.cycles == 0 || cycle.errors > cycle.cycles / 10 {
            problems.append("\(cycle.backend) cycles at \(cycle.clients): \(cycle.cycles) done, \(cycle.errors) errors")
        }
        if commitBudget.count < 2 || commitBudget.contains(where: { $0.createTransactions <= 0 }) {
            problems.append("commits per cycle not counted")
        }
        if let burst = burstDrain, burst.ordersAccepted > 0, burst.provisioned == burst.ordersAccepted {
        } else {
            problems.append(
                "burst not drained: \(burstDrain.map { "\($0.provisioned) of \($0.ordersAccepted)" } ?? "none")")
        }
        if poolAllocationCost.contains(where: { $0.allocate.count == 0 }) {
            problems.append("pool cost: no allocations")
        }
        if refresh.refresh.count == 0 { problems.append("no refresh measured") }
        if refresh.allocationFailuresDuringRefresh > 0 {
            problems.append(
                "\(refresh.allocationFailuresDuringRefresh) allocations failed while the pool was refreshed")
        }
        if memory.idleSimulatedRSSMB <= 0 || memory.activeRSSMB <= 0 { problems.append("RSS not read") }
        if memory.startupWithAllocationsSeconds <= 0 { problems.append("start-up not measured") }
        problems += [
            memory.acceptedOrders.problem(expected: 202, "orders for the last free VMs (each takes one)"),
            memory.refusedOrders.problem(
                expected: 503, "orders with \(memory.activeAllocations) active allocations (the pool is full)"),
        ].compactMap { $0 }
        problems += postgresSanityProblems()
        return problems
    }

    static func machineDescription() -> String {
        let info = ProcessInfo.processInfo
        return
            "\(info.activeProcessorCount) cores, \(info.physicalMemory / 1_073_741_824) GiB, \(info.operatingSystemVersionString)"
    }
}

extension LatencySummary {
    static let zero = LatencySummary(count: 0, p50: 0, p99: 0, max: 0)
}
