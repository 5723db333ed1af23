import Logging
import ProvisionerAPI
import Testing

@testable import PoolProvisioner

struct PoolReleaseHookTests {
    private func hookConfiguration(url: String, attempts: Int) -> PoolAssignmentProvisionerConfiguration {
        .init(
            reuse: .afterHook,
            releaseHook: .init(
                deployerURL: url, maxAttempts: attempts, initialBackoffMilliseconds: 1, maxBackoffMilliseconds: 4,
                timeoutSeconds: 5))
    }

    @Test(.timeLimit(.minutes(1)))
    func aVMIsHandedOutAgainOnlyAfterItsHookSucceeded() async throws {
        try await withDeployerStub(failures: 2) { stub, url in
            let ledger = MemoryClaimLedger()
            let pool = PoolFixtures.provisioner(
                PoolFixtures.vms(1), ledger: ledger, configuration: hookConfiguration(url: url, attempts: 5))
            let vm = try await pool.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger)
            // Released but not yet reset: the customer's release is done, the VM is cleaning.
            try await pool.release(vm, logger: PoolFixtures.logger)
            #expect(try await ledger.claims().map(\.state) == [.cleaning])
            #expect(try await pool.status(vm, logger: PoolFixtures.logger).powerState == .gone)
            await #expect(throws: ProvisionerError.self) {
                try await pool.allocate(PoolFixtures.request("b"), logger: PoolFixtures.logger)
            }
            try await withBackgroundWork(pool) {
                await ledger.waitUntil { $0.isEmpty }
            }
            // Two failures, then success.
            #expect(stub.received.count == 3)
            #expect(
                stub.received.allSatisfy { $0.contains(#""allocation_id":"a""#) && $0.contains(#""vm_id":"vm-0""#) })
            let next = try await pool.allocate(PoolFixtures.request("b"), logger: PoolFixtures.logger)
            #expect(next.backendRef == "vm-0")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aHookThatAlwaysFailsQuarantinesTheVMUntilAnOperatorReturnsIt() async throws {
        try await withDeployerStub(failures: .max) { stub, url in
            let ledger = MemoryClaimLedger()
            let pool = PoolFixtures.provisioner(
                PoolFixtures.vms(1), ledger: ledger, configuration: hookConfiguration(url: url, attempts: 3))
            let vm = try await pool.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger)
            try await withBackgroundWork(pool) {
                try await pool.release(vm, logger: PoolFixtures.logger)
                await ledger.waitUntil { $0.first?.state == .quarantined }
            }
            #expect(stub.received.count == 3)
            let claim = try #require(try await ledger.claims().first)
            #expect(claim.note?.contains("release hook failed 3 times") == true)
            #expect(try await pool.report().vms.first?.state == "quarantined")
            // Never re-enters the pool by itself.
            let error = await #expect(throws: ProvisionerError.self) {
                try await pool.allocate(PoolFixtures.request("b"), logger: PoolFixtures.logger)
            }
            #expect(error?.code == .poolExhausted)
            // The operator's action returns it.
            #expect(try await pool.returnToPool(vmID: "vm-0", logger: PoolFixtures.logger))
            #expect(try await pool.returnToPool(vmID: "vm-0", logger: PoolFixtures.logger) == false)
            #expect(
                try await pool.allocate(PoolFixtures.request("b"), logger: PoolFixtures.logger).backendRef == "vm-0")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func hooksLeftCleaningByAPreviousRunResumeOnStart() async throws {
        try await withDeployerStub(failures: 0) { stub, url in
            let ledger = MemoryClaimLedger()
            let before = PoolFixtures.provisioner(
                PoolFixtures.vms(1), ledger: ledger, configuration: hookConfiguration(url: url, attempts: 2))
            let vm = try await before.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger)
            try await before.release(vm, logger: PoolFixtures.logger)  // no background work: "crash" while cleaning
            let after = PoolFixtures.provisioner(
                PoolFixtures.vms(1), ledger: ledger, configuration: hookConfiguration(url: url, attempts: 2))
            try await withBackgroundWork(after) {
                await ledger.waitUntil { $0.isEmpty }
            }
            #expect(stub.received.count == 1)
        }
    }

    @Test func backoffDoublesAndIsCapped() {
        let client = PoolReleaseHookClient(
            hook: .init(deployerURL: "http://x", initialBackoffMilliseconds: 100, maxBackoffMilliseconds: 350),
            token: nil)
        #expect(
            (1...4).map { client.backoff(afterAttempt: $0) } == [
                .milliseconds(100), .milliseconds(200), .milliseconds(350), .milliseconds(350),
            ])
    }
}
