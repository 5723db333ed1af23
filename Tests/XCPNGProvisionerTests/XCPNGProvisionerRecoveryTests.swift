import FakeXAPI
import ProvisionerAPI
import Testing
import XCPNGProvisioner

/// What outlives a crash or another actor: leftovers are found by name and tag, foreign VMs are
/// never touched, and XAPI's own garbage collection of tasks is tolerated.
@Suite(.timeLimit(.minutes(1)))
struct XCPNGProvisionerRecoveryTests {
    /// A session on the fake, for changing the pool behind the backend's back.
    private func session(_ fake: FakeXAPI) async throws -> FakeValue {
        try await fake.call("session.login_with_password", ["root", "secret"]).outcome.get()
    }

    private func template(_ fake: FakeXAPI, _ session: FakeValue) async throws -> FakeValue {
        for ref in try await fake.call("VM.get_by_name_label", [session, "debian-12-cloud"]).outcome.get().stringArray {
            let record = try await fake.call("VM.get_record", [session, .string(ref)]).outcome.get()
            if record["is_a_template"] == true, record["is_a_snapshot"] == false { return .string(ref) }
        }
        throw FakeXAPIError("NO_TEMPLATE")
    }

    @Test func releaseFindsACloneLeftBeforeItWasTagged() async throws {
        try await withFakePool { backend, fake in
            let session = try await session(fake)
            _ = try await fake.call("VM.clone", [session, try await template(fake, session), "provisioner-crashed"])
                .outcome.get()
            #expect(fake.snapshot().vms.count == 1 && fake.snapshot().vdis.count == 1)
            #expect(
                try await backend.status(VmAllocation(allocationID: "crashed", backend: "xcpng"), logger: quietLogger)
                    .powerState == .starting)
            try await backend.release(VmAllocation(allocationID: "crashed", backend: "xcpng"), logger: quietLogger)
            #expect(fake.snapshot().vms.isEmpty && fake.snapshot().vdis.isEmpty)
        }
    }

    /// A release that stops at any step (a failed call here, a SIGKILL in production) leaves what
    /// remains reachable from the VM, so the next attempt removes every VM and every disk.
    @Test(arguments: ["VM.hard_shutdown", "VBD.get_record", "VDI.destroy", "VBD.destroy", "VM.destroy"])
    func aReleaseInterruptedAtAnyStepIsFinishedByTheNextOne(failingMethod: String) async throws {
        try await withFakePool { backend, fake in
            let vm = try await backend.allocate(request("interrupted"), logger: quietLogger)
            #expect(fake.snapshot().vdis.count == 2)  // the cloned disk and the config drive
            fake.addFault(FakeFault(method: failingMethod, error: ["INTERNAL_ERROR", "injected"], times: 1))
            await #expect(throws: ProvisionerError.self) { try await backend.release(vm, logger: quietLogger) }
            try await backend.release(vm, logger: quietLogger)
            #expect(fake.snapshot().vms.isEmpty)
            #expect(fake.snapshot().vdis.isEmpty)
        }
    }

    @Test func allocateResumesAHaltedVMOfTheSameAllocation() async throws {
        try await withFakePool { backend, fake in
            let first = try await backend.allocate(request("resume"), logger: quietLogger)
            let session = try await session(fake)
            let ref = try #require(fake.snapshot().vms.first?.ref)
            _ = try await fake.call("VM.hard_shutdown", [session, .string(ref)]).outcome.get()
            let again = try await backend.allocate(request("resume"), logger: quietLogger)
            #expect(again.backendRef == first.backendRef)
            #expect(fake.snapshot().vms.map(\.powerState) == ["Running"])
            #expect(fake.snapshot().callCounts["VM.clone"] == 1)
        }
    }

    @Test func aVMWithAnotherOwnerTagIsNeverTouched() async throws {
        try await withFakePool { backend, fake in
            _ = try await backend.allocate(request("shared-name"), logger: quietLogger)
            let session = try await session(fake)
            let ref = try #require(fake.snapshot().vms.first?.ref)
            _ = try await fake.call("VM.remove_from_other_config", [session, .string(ref), "provisioner.owner"]).outcome
                .get()
            _ = try await fake.call(
                "VM.add_to_other_config", [session, .string(ref), "provisioner.owner", "someone-else"]
            )
            .outcome.get()
            try await backend.release(VmAllocation(allocationID: "shared-name", backend: "xcpng"), logger: quietLogger)
            #expect(fake.snapshot().vms.count == 1)
            #expect(try await backend.listInventory(logger: quietLogger).isEmpty)
        }
    }

    @Test func aTaskAlreadyCollectedByXAPIIsNotAnError() async throws {
        var options = FakeXAPIOptions.fast
        options.faults = [
            FakeFault(method: "task.destroy", error: ["HANDLE_INVALID", "task", "OpaqueRef:gone"], times: 1)
        ]
        try await withFakePool(options) { backend, fake in
            let vm = try await backend.allocate(request("gc"), logger: quietLogger)
            #expect(vm.ipv4 != nil)
            #expect(fake.snapshot().faults.isEmpty)
        }
    }
}
