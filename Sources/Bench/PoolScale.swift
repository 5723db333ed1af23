import Foundation
import Host
import Logging
import PoolProvisioner
import ProvisionerAPI
import SimulatedProvisioner
import Synchronization

/// In-process measurements of the backends themselves: the pool's allocation cost by pool size,
/// `refreshPool` time and the longest allocation stall during refreshes, and the simulated
/// backend's allocate time. The pool runs against a durable on-disk ``SQLiteStore`` (WAL,
/// `synchronous=FULL`) through the same ``StoreClaimLedger`` the server uses.
struct AllocationCost: Codable, Sendable {
    var poolSize: Int
    var allocations: Int
    var allocate: LatencySummary
    var allocateMeanMs: Double
}

struct RefreshResult: Codable, Sendable {
    var poolSize: Int
    var refreshes: Int
    var refresh: LatencySummary
    /// Allocations that ran while refreshes were running, and the longest of them.
    var allocationsDuringRefresh: Int
    /// Allocations that failed while refreshes ran (should be 0: a refresh never refuses service).
    var allocationFailuresDuringRefresh: Int
    var longestAllocationDuringRefreshMs: Double
    /// The longest allocation with no refresh running, for comparison.
    var longestAllocationWithoutRefreshMs: Double
}

enum PoolScale {
    static let trial = PlanSpec(name: "trial", vcpus: 1, memoryMiB: 512, diskGiB: 5, priceCents: 0)
    static let logger = Logger(label: "bench")

    static func vms(_ size: Int, variant: Int = 0) -> [PoolVM] {
        (0..<size).map { index in
            PoolVM(
                id: BenchFixtures.poolVMID(index), ipv6: BenchFixtures.poolVMIPv6(index),
                tags: variant == 0 ? [] : ["v\(variant)"])
        }
    }

    /// A pool backend over a fresh durable store, warmed up (catalog stored, free list built).
    static func makePool(size: Int, directory: URL) async throws -> (PoolAssignmentProvisioner, SQLiteStore) {
        let store = try SQLiteStore(path: directory.appendingPathComponent("pool-scale-\(size).sqlite").path)
        try await store.migrate()
        let pool = PoolAssignmentProvisioner(
            configuration: .init(reuse: .immediate), vms: vms(size),
            ledger: StoreClaimLedger(store: store, namespace: "pool"),
            catalogStore: StoreCatalogStore(store: store, namespace: "pool"))
        let warm = try await pool.allocate(request("warm-up"), logger: logger)
        try await pool.release(warm, logger: logger)
        return (pool, store)
    }

    static func request(_ id: String) -> AllocationRequest {
        AllocationRequest(allocationID: id, userID: "bench", plan: trial)
    }

    /// The time of one `allocate` (a durable claim commit included), each followed by an untimed release.
    static func allocationCost(size: Int, allocations: Int, directory: URL) async throws -> AllocationCost {
        let (pool, _) = try await makePool(size: size, directory: directory)
        var latency = LatencyRecorder()
        var total = Duration.zero
        let clock = ContinuousClock()
        for index in 0..<allocations {
            let start = clock.now
            let vm = try await pool.allocate(request("cost-\(size)-\(index)"), logger: logger)
            let took = clock.now - start
            total += took
            latency.record(took)
            try await pool.release(vm, logger: logger)
        }
        return AllocationCost(
            poolSize: size, allocations: allocations, allocate: latency.summary,
            allocateMeanMs: total.seconds * 1000 / Double(allocations))
    }

    /// Times `refreshPool` on a pool of `size` while one task keeps allocating and releasing.
    static func refresh(size: Int, refreshes: Int, directory: URL) async throws -> RefreshResult {
        let (pool, _) = try await makePool(size: size, directory: directory.appendingPathComponent("r"))
        let lists = [vms(size, variant: 1), vms(size, variant: 2)]
        let clock = ContinuousClock()

        // Baseline: the longest allocation with no refresh running.
        var baseline = Duration.zero
        for index in 0..<200 {
            let start = clock.now
            let vm = try await pool.allocate(request("base-\(index)"), logger: logger)
            baseline = max(baseline, clock.now - start)
            try await pool.release(vm, logger: logger)
        }

        let refreshing = AtomicFlag()
        async let allocations = allocateWhileRefreshing(pool, flag: refreshing)
        var latency = LatencyRecorder()
        refreshing.start()
        do {
            for index in 0..<refreshes {
                let start = clock.now
                _ = try await pool.refreshPool(lists[index % 2], logger: logger)
                latency.record(clock.now - start)
            }
        } catch {
            refreshing.finish()
            _ = await allocations
            throw BenchError("refreshPool(\(size)) failed: \(error)")
        }
        refreshing.finish()
        let (count, longest, failures) = await allocations
        return RefreshResult(
            poolSize: size, refreshes: refreshes, refresh: latency.summary, allocationsDuringRefresh: count,
            allocationFailuresDuringRefresh: failures,
            longestAllocationDuringRefreshMs: longest.seconds * 1000,
            longestAllocationWithoutRefreshMs: baseline.seconds * 1000)
    }

    /// Allocates and releases until the refreshes are over; returns how many allocations ran while
    /// refreshes were running and the longest of them.
    static func allocateWhileRefreshing(_ pool: PoolAssignmentProvisioner, flag: AtomicFlag) async -> (
        count: Int, longest: Duration, failures: Int
    ) {
        let clock = ContinuousClock()
        var count = 0
        var failures = 0
        var longest = Duration.zero
        var index = 0
        while !flag.isFinished && !Task.isCancelled {
            index += 1
            let start = clock.now
            let vm: VmAllocation
            do {
                vm = try await pool.allocate(request("during-\(index)"), logger: logger)
            } catch {
                failures += 1
                try? await Task.sleep(for: .milliseconds(1))
                continue
            }
            let took = clock.now - start
            if flag.isRunning {
                count += 1
                longest = max(longest, took)
            }
            try? await pool.release(vm, logger: logger)
        }
        return (count, longest, failures)
    }

    /// The simulated backend's own allocate time with zero delay.
    static func simulatedAllocate(allocations: Int) async throws -> LatencySummary {
        let backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0))
        var latency = LatencyRecorder()
        let clock = ContinuousClock()
        for index in 0..<allocations {
            let start = clock.now
            let vm = try await backend.allocate(request("sim-\(index)"), logger: logger)
            latency.record(clock.now - start)
            try await backend.release(vm, logger: logger)
        }
        return latency.summary
    }
}

/// 0 = not started, 1 = refreshes running, 2 = finished.
final class AtomicFlag: Sendable {
    private let state = Mutex(0)
    func start() { state.withLock { $0 = 1 } }
    func finish() { state.withLock { $0 = 2 } }
    var isRunning: Bool { state.withLock { $0 == 1 } }
    var isFinished: Bool { state.withLock { $0 == 2 } }
}
