import ProvisionerAPI
import Testing

@testable import PoolProvisioner

/// A full pool refuses orders without reading the whole claim ledger for each one: with 100,000
/// VMs in use that read took about 300 ms of every refused order. It is read again once the
/// recheck interval passed, so VMs other replicas free are offered.
struct PoolFullRecheckTests {
    @Test(.timeLimit(.minutes(1)))
    func refusedOrdersReadTheLedgerOncePerInterval() async throws {
        let ledger = MemoryClaimLedger()
        let pool = PoolFixtures.provisioner(
            PoolFixtures.vms(2), ledger: ledger, fullPoolRecheckInterval: .seconds(3600))
        _ = try await pool.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger)
        _ = try await pool.allocate(PoolFixtures.request("b"), logger: PoolFixtures.logger)
        let before = ledger.wholeReads
        for _ in 0..<20 {
            let error = await #expect(throws: ProvisionerError.self) {
                try await pool.hasCapacity(for: PoolFixtures.plan, logger: PoolFixtures.logger)
            }
            #expect(error?.code == .poolExhausted)
        }
        #expect(ledger.wholeReads - before == 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func aFreeListJustBuiltIsNotBuiltAgainToFindThePoolFull() async throws {
        let ledger = MemoryClaimLedger()
        // A new process: its first free list is built by the first order, and the only VM is held.
        _ = try await ledger.claim("vm-0", for: "elsewhere")
        let pool = PoolFixtures.provisioner(PoolFixtures.vms(1), ledger: ledger, fullPoolRecheckInterval: .zero)
        let before = ledger.wholeReads
        await #expect(throws: ProvisionerError.self) {
            try await pool.hasCapacity(for: PoolFixtures.plan, logger: PoolFixtures.logger)
        }
        #expect(ledger.wholeReads - before == 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func aVMThisProcessFreesIsOfferedAtOnce() async throws {
        let pool = PoolFixtures.provisioner(PoolFixtures.vms(1), fullPoolRecheckInterval: .seconds(3600))
        let held = try await pool.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger)
        await #expect(throws: ProvisionerError.self) {
            try await pool.hasCapacity(for: PoolFixtures.plan, logger: PoolFixtures.logger)
        }
        try await pool.release(held, logger: PoolFixtures.logger)
        #expect(try await pool.hasCapacity(for: PoolFixtures.plan, logger: PoolFixtures.logger))
    }

    @Test(.timeLimit(.minutes(1)))
    func aVMAnotherReplicaFreesIsOfferedOnceTheIntervalPassed() async throws {
        let ledger = MemoryClaimLedger()
        let pool = PoolFixtures.provisioner(PoolFixtures.vms(1), ledger: ledger, fullPoolRecheckInterval: .zero)
        let held = try await pool.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger)
        await #expect(throws: ProvisionerError.self) {
            try await pool.hasCapacity(for: PoolFixtures.plan, logger: PoolFixtures.logger)
        }
        // Another replica's release: the ledger changes, this process's free list does not.
        #expect(try await ledger.release(try #require(held.backendRef), for: "a"))
        #expect(try await pool.hasCapacity(for: PoolFixtures.plan, logger: PoolFixtures.logger))
    }
}
