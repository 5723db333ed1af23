import FakeXAPI
import ProvisionerAPI
import ProvisionerConformance
import Testing
import XCPNGProvisioner

@Suite(.timeLimit(.minutes(1)))
struct XCPNGProvisionerTests {
    @Test func passesTheConformanceKitAndLeavesNothingBehind() async throws {
        try await withFakePool { backend, fake in
            try await ProvisionerConformance.run(against: backend, logger: quietLogger)
            let left = fake.snapshot()
            #expect(left.vms.isEmpty)
            #expect(left.vdis.isEmpty)
            #expect(left.tasks == 0)
        }
    }

    @Test func allocateClonesTagsSizesWiresAndStartsTheTemplate() async throws {
        try await withFakePool { backend, fake in
            let vm = try await backend.allocate(request("a-1", vcpus: 2, memoryMiB: 2048), logger: quietLogger)
            let created = try #require(fake.snapshot().vms.first)
            #expect(fake.snapshot().vms.count == 1)
            #expect(created.nameLabel == "provisioner-a-1")
            #expect(created.powerState == "Running")
            #expect(!created.isTemplate)
            #expect(created.otherConfig[XCPNGProvisioner.allocationKey] == "a-1")
            #expect(created.otherConfig[XCPNGProvisioner.ownerKey] == "provisioner")
            #expect(created.xenstoreData["vm-data/hostname"] == "a-1.example.test")
            #expect(created.xenstoreData["vm-data/ssh-keys"] == "ssh-ed25519 AAAAC3Nza alice@laptop")
            #expect(created.vcpus == 2)
            #expect(created.memoryBytes == 2048 << 20)
            #expect(created.vifDevices == ["0"])
            #expect(vm.backendRef == created.uuid)
            #expect(vm.backend == "xcpng")
            #expect(vm.ipv4?.hasPrefix("10.") == true)
            #expect(vm.ipv6?.hasPrefix("2001:db8:58::") == true)  // the fe80:: link-local one is skipped
            #expect(vm.sshHost == vm.ipv4)
            #expect(fake.snapshot().vdis.count == 2)  // the template's disk, cloned, and the config drive
            #expect(fake.snapshot().tasks == 0)  // the start task was destroyed
            #expect(!backend.isDemo)
        }
    }

    @Test func allocateIsIdempotentPerAllocationID() async throws {
        try await withFakePool { backend, fake in
            let first = try await backend.allocate(request("same"), logger: quietLogger)
            let second = try await backend.allocate(request("same"), logger: quietLogger)
            #expect(first == second)
            #expect(fake.snapshot().vms.count == 1)
            #expect(fake.snapshot().callCounts["VM.clone"] == 1)
        }
    }

    @Test func releaseDestroysTheVMAndItsDisksAndIsIdempotent() async throws {
        try await withFakePool { backend, fake in
            let vm = try await backend.allocate(request("r-1"), logger: quietLogger)
            try await backend.release(vm, logger: quietLogger)
            #expect(fake.snapshot().vms.isEmpty)
            #expect(fake.snapshot().vdis.isEmpty)
            #expect(fake.snapshot().vbds.isEmpty)
            try await backend.release(vm, logger: quietLogger)
            try await backend.release(VmAllocation(allocationID: "r-1", backend: "xcpng"), logger: quietLogger)
            #expect(try await backend.status(vm, logger: quietLogger).powerState == .gone)
        }
    }

    @Test func statusFollowsThePowerState() async throws {
        try await withFakePool { backend, fake in
            let vm = try await backend.allocate(request("s-1"), logger: quietLogger)
            #expect(try await backend.status(vm, logger: quietLogger).powerState == .running)
            let session = try #require(
                await fake.call("session.login_with_password", ["root", "secret"]).outcome.get().stringValue)
            let ref = try #require(fake.snapshot().vms.first?.ref)
            _ = try await fake.call("VM.hard_shutdown", [.string(session), .string(ref)]).outcome.get()
            #expect(try await backend.status(vm, logger: quietLogger).powerState == .stopped)
            try await backend.release(vm, logger: quietLogger)
            #expect(fake.snapshot().vms.isEmpty && fake.snapshot().vdis.isEmpty)
        }
    }

    @Test func inventoryListsOnlyOurTaggedVMs() async throws {
        try await withFakePool { backend, _ in
            _ = try await backend.allocate(request("inv-1"), logger: quietLogger)
            _ = try await backend.allocate(request("inv-2"), logger: quietLogger)
            let items = try await backend.listInventory(logger: quietLogger)  // dom0's record carries a NaN
            #expect(Set(items.compactMap(\.allocationID)) == ["inv-1", "inv-2"])
            #expect(Set(items.compactMap(\.name)) == ["provisioner-inv-1", "provisioner-inv-2"])
        }
    }

    @Test func capacityReadsHostMemoryAndSRSpace() async throws {
        try await withFakePool { backend, _ in
            #expect(try await backend.hasCapacity(for: PlanSpec(name: "small"), logger: quietLogger))
            #expect(
                !(try await backend.hasCapacity(for: PlanSpec(name: "huge", memoryMiB: 65 << 10), logger: quietLogger)))
            #expect(!(try await backend.hasCapacity(for: PlanSpec(name: "disk", diskGiB: 501), logger: quietLogger)))
            try await backend.probe(logger: quietLogger)
        }
    }

    @Test func refusedCredentialsAreAnOperatorProblem() async throws {
        try await withFakePool(password: "wrong") { backend, fake in
            let error = try await #require(throws: ProvisionerError.self) {
                try await backend.allocate(request("auth"), logger: quietLogger)
            }
            #expect(error.code == .backendUnavailable)
            #expect(!error.isRetryable)
            #expect(error.operatorDetail?.contains("SESSION_AUTHENTICATION_FAILED") == true)
            #expect(error.operatorDetail?.contains("credentials") == true)
            #expect(!error.customerMessage.contains("root"))
            #expect(fake.snapshot().vms.isEmpty)
        }
    }

    @Test func shutdownLogsOut() async throws {
        try await withFakePool { backend, fake in
            try await backend.probe(logger: quietLogger)
            #expect(fake.snapshot().sessions == 1)
            await backend.shutdown()
            #expect(fake.snapshot().sessions == 0)
            let error = try await #require(throws: ProvisionerError.self) {
                try await backend.probe(logger: quietLogger)
            }
            #expect(error.code == .backendUnavailable)
        }
    }
}
