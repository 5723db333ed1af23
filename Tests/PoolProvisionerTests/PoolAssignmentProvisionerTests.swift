import Logging
import ProvisionerAPI
import ProvisionerConformance
import Testing

@testable import PoolProvisioner

struct PoolAssignmentProvisionerTests {
    @Test(.timeLimit(.minutes(1)), arguments: [PoolAssignmentProvisionerConfiguration.Reuse.immediate, .afterHook])
    func passesTheConformanceKit(reuse: PoolAssignmentProvisionerConfiguration.Reuse) async throws {
        let ledger = MemoryClaimLedger()
        let pool = PoolFixtures.provisioner(PoolFixtures.vms(20), ledger: ledger, configuration: .init(reuse: reuse))
        try await withBackgroundWork(pool) {
            try await ProvisionerConformance.run(against: pool, logger: PoolFixtures.logger)
            // Every VM comes back once its (logging) hook ran.
            await ledger.waitUntil { $0.isEmpty }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func cockpitURLAndAddressesFlowIntoTheAllocation() async throws {
        let pool = PoolFixtures.provisioner(PoolFixtures.vms(1))
        let vm = try await pool.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger)
        #expect(vm.backendRef == "vm-0")
        #expect(vm.cockpitURL == "https://vm-0.example:9090")
        #expect(vm.ipv6 == "2001:db8::1")
        #expect(vm.sshHost == "2001:db8::1")
        #expect(vm.sshPort == 22)
        #expect(vm.hostname == "vm-0.example")
    }

    @Test(.timeLimit(.minutes(1)))
    func maintenanceVMsAndVMsForOtherPlansAreNeverHandedOut() async throws {
        let vms = [
            PoolVM(id: "down", status: .maintenance), PoolVM(id: "large-only", plans: ["large"]),
            PoolVM(id: "small-ok", plans: ["small", "large"]),
        ]
        let pool = PoolFixtures.provisioner(vms)
        let first = try await pool.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger)
        #expect(first.backendRef == "small-ok")
        let error = await #expect(throws: ProvisionerError.self) {
            try await pool.allocate(PoolFixtures.request("b"), logger: PoolFixtures.logger)
        }
        #expect(error?.code == .poolExhausted)
        #expect(error?.isRetryable == true)
        let large = PlanSpec(name: "large", priceCents: 900)
        let second = try await pool.allocate(PoolFixtures.request("c", plan: large), logger: PoolFixtures.logger)
        #expect(second.backendRef == "large-only")
    }

    @Test(.timeLimit(.minutes(1)))
    func allocateIsIdempotentAndReleaseIsToo() async throws {
        let pool = PoolFixtures.provisioner(PoolFixtures.vms(3))
        let first = try await pool.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger)
        let again = try await pool.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger)
        #expect(first == again)
        try await pool.release(first, logger: PoolFixtures.logger)
        try await pool.release(first, logger: PoolFixtures.logger)
        #expect(try await pool.status(first, logger: PoolFixtures.logger).powerState == .gone)
        // Released immediately: the same VM is free for the next customer.
        let next = try await pool.allocate(PoolFixtures.request("b"), logger: PoolFixtures.logger)
        #expect(next.backendRef == first.backendRef)
    }

    @Test(.timeLimit(.minutes(1)))
    func twoHundredConcurrentAllocationsOfOneHundredVMsGiveExactlyOneHundredDistinctVMs() async throws {
        let pool = PoolFixtures.provisioner(PoolFixtures.vms(100))
        let results = await withTaskGroup(of: Result<VmAllocation, ProvisionerError>.self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        return .success(
                            try await pool.allocate(PoolFixtures.request("a-\(index)"), logger: PoolFixtures.logger))
                    } catch {
                        return .failure(error as! ProvisionerError)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let vms = results.compactMap { try? $0.get() }
        #expect(vms.count == 100)
        #expect(Set(vms.compactMap(\.backendRef)).count == 100)
        let failures = results.compactMap { result -> ProvisionerError? in
            if case .failure(let error) = result { return error }
            return nil
        }
        #expect(failures.count == 100)
        #expect(failures.allSatisfy { $0.code == .poolExhausted })
    }

    @Test(.timeLimit(.minutes(1)))
    func aVMRemovedWhileAssignedStaysAssignedAndIsReportedOrphaned() async throws {
        let pool = PoolFixtures.provisioner(PoolFixtures.vms(2))
        let held = try await pool.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger)
        let sizes = try await pool.refreshPool([PoolVM(id: "vm-1"), PoolVM(id: "new")], logger: PoolFixtures.logger)
        #expect(sizes.previousSize == 2)
        #expect(sizes.newSize == 2)
        let status = try await pool.status(held, logger: PoolFixtures.logger)
        #expect(status.powerState == .running)
        #expect(status.operatorDetail?.contains("orphaned_from_pool") == true)
        let report = try await pool.report()
        #expect(report.vms.first { $0.vmID == "vm-0" }?.state == "orphaned_from_pool")
        #expect(try await pool.orphanedAllocations() == ["a": "vm-0"])
        // The idempotent allocate still answers with the VM the customer holds.
        #expect(try await pool.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger).backendRef == "vm-0")
        // Two VMs remain for others; vm-0 is not among them.
        let others = [
            try await pool.allocate(PoolFixtures.request("b"), logger: PoolFixtures.logger),
            try await pool.allocate(PoolFixtures.request("c"), logger: PoolFixtures.logger),
        ]
        #expect(Set(others.compactMap(\.backendRef)) == ["vm-1", "new"])
    }

    @Test(.timeLimit(.minutes(1)))
    func aBadRefreshChangesNothing() async throws {
        let pool = PoolFixtures.provisioner(PoolFixtures.vms(2))
        await #expect(throws: PoolCatalogError.self) {
            try await pool.refreshPool([PoolVM(id: "x"), PoolVM(id: "x")], logger: PoolFixtures.logger)
        }
        #expect(pool.snapshot.vms.map(\.id) == ["vm-0", "vm-1"])
    }

    @Test(.timeLimit(.minutes(1)))
    func readersNeverSeeAMixedPoolWhileRefreshesSwapIt() async throws {
        let pool = PoolFixtures.provisioner(PoolFixtures.vms(10, prefix: "g0"))
        let swaps = 200
        let (started, readerStarted) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var observed = 0
                    readerStarted.yield()
                    while !Task.isCancelled {
                        let snapshot = pool.snapshot
                        // Generation g was built from "g<g>-*" VMs, 10 + g of them (generation 0: 10 "g0-*").
                        let prefix = "g\(snapshot.generation)-"
                        #expect(snapshot.vms.allSatisfy { $0.id.hasPrefix(prefix) })
                        #expect(snapshot.count == 10 + Int(snapshot.generation))
                        observed += 1
                        await Task.yield()
                    }
                    return observed
                }
            }
            // Swap only once every reader runs, and let them in between swaps.
            var readers = started.makeAsyncIterator()
            for _ in 0..<4 { await readers.next() }
            for generation in 1...swaps {
                await Task.yield()
                _ = try await pool.refreshPool(
                    PoolFixtures.vms(10 + generation, prefix: "g\(generation)"), logger: PoolFixtures.logger)
            }
            group.cancelAll()
            var reads = 0
            for try await observed in group { reads += observed }
            #expect(reads > 0)
        }
        #expect(pool.snapshot.generation == Int64(swaps))
    }

    @Test(.timeLimit(.minutes(1)))
    func capacitySlotsCountAvailableVMsServingThePlanHeldOrFree() async throws {
        let vms = [
            PoolVM(id: "down", status: .maintenance), PoolVM(id: "large-only", plans: ["large"]),
            PoolVM(id: "small-ok", plans: ["small", "large"]), PoolVM(id: "any-1"), PoolVM(id: "any-2"),
        ]
        let shared = MemoryClaimLedger()
        let pool = PoolFixtures.provisioner(vms, ledger: shared)
        let small = try await pool.capacitySlots(for: PoolFixtures.plan, logger: PoolFixtures.logger)
        #expect(small == CapacitySlots(plan: 3, total: 4, exhaustedCode: .poolExhausted))
        // A VM held by an allocation is still a slot: the Host subtracts what its store holds.
        _ = try await pool.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger)
        let large = PlanSpec(name: "large", priceCents: 900)
        #expect(try await pool.capacitySlots(for: large, logger: PoolFixtures.logger)?.plan == 4)
        #expect(try await pool.capacitySlots(for: PlanSpec(name: "none"), logger: PoolFixtures.logger)?.plan == 2)
        // A refresh changes the count; a replica sharing the catalog sees it too.
        let replica = PoolFixtures.provisioner(vms, ledger: shared)
        _ = try await pool.refreshPool(PoolFixtures.vms(7), logger: PoolFixtures.logger)
        #expect(
            try await replica.capacitySlots(for: large, logger: PoolFixtures.logger)
                == CapacitySlots(plan: 7, total: 7, exhaustedCode: .poolExhausted))
        let counting: any Provisioner = pool
        #expect(counting is any CapacityCounting)
    }

    @Test(.timeLimit(.minutes(1)))
    func aReplicaSeesANewerStoredCatalogBeforeItsNextAllocation() async throws {
        let shared = MemoryClaimLedger()
        let first = PoolFixtures.provisioner(PoolFixtures.vms(1, prefix: "old"), ledger: shared)
        let second = PoolFixtures.provisioner(PoolFixtures.vms(1, prefix: "old"), ledger: shared)
        _ = try await first.refreshPool(PoolFixtures.vms(1, prefix: "new"), logger: PoolFixtures.logger)
        let vm = try await second.allocate(PoolFixtures.request("a"), logger: PoolFixtures.logger)
        #expect(vm.backendRef == "new-0")
    }
}

/// Attempt-scoped teardowns on the pool (DESIGN.md section 8).
struct PoolAttemptTests {
    @Test func aTeardownOfAnotherAttemptLeavesTheVMAssigned() async throws {
        let ledger = MemoryClaimLedger()
        let pool = PoolAssignmentProvisioner(
            configuration: PoolAssignmentProvisionerConfiguration(reuse: .immediate), vms: [PoolVM(id: "vm-a")],
            ledger: ledger, catalogStore: nil)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        #expect(try await ledger.claim("vm-a", for: "alloc-1", attempt: 4) == .claimed)
        // A stale teardown of attempt 3 must not take attempt 4's VM...
        try await pool.release(VmAllocation(allocationID: "alloc-1", backend: "pool", attempt: 3), logger: logger)
        #expect(try await ledger.claim(of: "alloc-1")?.state == .assigned)
        // ...attempt 4's own teardown does.
        try await pool.release(VmAllocation(allocationID: "alloc-1", backend: "pool", attempt: 4), logger: logger)
        #expect(try await ledger.claim(of: "alloc-1") == nil)
    }
}
