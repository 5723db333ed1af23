import Foundation
import Host
import Logging
import PoolProvisioner
import ProvisionerAPI
import SimulatedProvisioner
import Testing

/// `worker.concurrency` defaults to what the backend advises (``ConcurrencyAdvising``); set in
/// config, it wins.
struct WorkerConcurrencyTests {
    static let simulated = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0))

    @Test func anUnsetConcurrencyFollowsTheBackend() throws {
        var worker = try ConfigLoaderTests.loader.decode(text: "server: { port: 1 }\n", source: "ok.yaml").worker
        #expect(!worker.concurrencyIsConfigured)
        worker.adopt(adviceOf: Self.simulated)
        #expect(worker.concurrency == 1024)
    }

    @Test func aConfiguredConcurrencyWins() throws {
        var worker = try ConfigLoaderTests.loader.decode(text: "worker: { concurrency: 8 }\n", source: "ok.yaml").worker
        worker.adopt(adviceOf: Self.simulated)
        #expect(worker.concurrency == 8)
    }

    @Test func aBackendThatAdvisesNothingKeepsTheDefault() {
        var worker = WorkerConfiguration()
        worker.adopt(adviceOf: CountingProvisioner(Self.simulated))
        #expect(worker.concurrency == 16)
    }

    @Test func theHostsDependenciesTakeTheAdvice() throws {
        let store = try SQLiteStore(path: ":memory:")
        let pool = PoolAssignmentProvisioner(
            configuration: .init(reuse: .immediate), vms: [], ledger: StoreClaimLedger(store: store, namespace: "pool"),
            catalogStore: nil)
        let dependencies = HostDependencies(
            configuration: HostConfiguration(), store: store, backend: pool, serviceToken: "t", adminSecret: "a",
            logger: .init(label: "test"))
        #expect(dependencies.configuration.worker.concurrency == pool.concurrentAllocations)
    }
}
