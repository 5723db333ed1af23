import Foundation
import NIOHTTP1

/// `--only pool-catalog`: just the pool catalog's measures of a full run, the same phases with the
/// same sizes: `refreshPool` under allocations, and the idle RSS of the pool server with its VMs.
extension BenchRunner {
    mutating func runPoolCatalog() async throws -> BenchReport {
        let refreshSize = plan.poolSizes.last!
        log("refreshPool(\(refreshSize)) x\(plan.refreshes) under allocations")
        report.refresh = try await PoolScale.refresh(size: refreshSize, refreshes: plan.refreshes, directory: directory)

        let (poolServer, _) = try await launchPoolServer()
        let client = LoadClient.make(baseURL: poolServer.baseURL, connections: 1)
        do {
            _ = try await client.send(.GET, "/readyz")
            try await Task.sleep(for: .seconds(1))
            report.memory.idlePool100kRSSMB = MemoryStartup.megabytes(poolServer.residentBytes())
        } catch {
            await client.shutdown()
            await poolServer.stop()
            throw error
        }
        await client.shutdown()
        await poolServer.stop()
        return report
    }
}

extension BenchReport {
    /// The lines of ``table()`` that `--only pool-catalog` measures.
    var poolCatalogTable: String {
        [
            "| pool catalog | p50 / p99 / max ms |",
            "|---|---|",
            "| `refreshPool(\(refresh.poolSize))` x\(refresh.refreshes) | \(refresh.refresh.text) |",
            String(
                format: "| longest allocation while refreshing / without (%d during, %d failed) | %.2f / %.2f |",
                refresh.allocationsDuringRefresh, refresh.allocationFailuresDuringRefresh,
                refresh.longestAllocationDuringRefreshMs, refresh.longestAllocationWithoutRefreshMs),
            String(format: "| RSS idle, pool backend with its VMs loaded (MB) | %.1f |", memory.idlePool100kRSSMB),
        ].joined(separator: "\n")
    }
}
