import Logging
import ProvisionerAPI
import Testing

@testable import PoolProvisioner

/// `previewAssignment`: the VM an order would be offered now, taken from nobody.
struct PoolAssignmentProvisionerPreviewTests {
    @Test(.timeLimit(.minutes(1)))
    func thePreviewIsTheVMTheNextAllocateTakesAndTakesNothing() async throws {
        let ledger = MemoryClaimLedger()
        let vms =
            [PoolVM(id: "down", status: .maintenance), PoolVM(id: "large-only", plans: ["large"])]
            + PoolFixtures.vms(2)
        let pool = PoolFixtures.provisioner(vms, ledger: ledger)
        for index in 0..<2 {
            let first = try await pool.previewAssignment(for: PoolFixtures.plan, logger: PoolFixtures.logger)
            let again = try await pool.previewAssignment(for: PoolFixtures.plan, logger: PoolFixtures.logger)
            #expect(first?.backendRef == again?.backendRef)
            #expect(first?.allocationID == "")
            #expect(try await ledger.claims().count == index)
            let taken = try await pool.allocate(PoolFixtures.request("a\(index)"), logger: PoolFixtures.logger)
            #expect(taken.backendRef == first?.backendRef)
            #expect(taken.cockpitURL == first?.cockpitURL)
        }
        // Only the maintenance VM and one for another plan are left: nothing to offer.
        #expect(try await pool.previewAssignment(for: PoolFixtures.plan, logger: PoolFixtures.logger) == nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func aVMClaimedElsewhereIsNotOffered() async throws {
        let ledger = MemoryClaimLedger()
        let pool = PoolFixtures.provisioner(PoolFixtures.vms(2), ledger: ledger)
        let offered = try #require(
            try await pool.previewAssignment(for: PoolFixtures.plan, logger: PoolFixtures.logger))
        // Another replica claims that VM through the shared ledger, behind this pool's free list.
        #expect(try await ledger.claim(offered.backendRef!, for: "elsewhere") == .claimed)
        let next = try await pool.previewAssignment(for: PoolFixtures.plan, logger: PoolFixtures.logger)
        #expect(next?.backendRef != nil)
        #expect(next?.backendRef != offered.backendRef)
    }
}
