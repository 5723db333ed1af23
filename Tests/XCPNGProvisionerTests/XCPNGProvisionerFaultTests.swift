import FakeXAPI
import ProvisionerAPI
import Testing
import XCPNGProvisioner

/// Failures mid-allocate, session expiry, pool-member redirects, retries and the task bound,
/// all against the fake over real HTTP.
@Suite(.timeLimit(.minutes(1)))
struct XCPNGProvisionerFaultTests {
    struct StepFailure: Sendable, CustomTestStringConvertible {
        var step: String
        var fault: FakeFault?
        var expected: ProvisionerError.Code
        var testDescription: String { step }
    }

    static let stepFailures: [StepFailure] = [
        StepFailure(
            step: "clone", fault: FakeFault(method: "VM.clone", error: ["SR_FULL", "2147483648", "0"], times: 1),
            expected: .capacityUnavailable),
        StepFailure(
            step: "tag", fault: FakeFault(method: "VM.set_other_config", error: ["INTERNAL_ERROR", "db"], times: 1),
            expected: .backendRejected),
        StepFailure(
            step: "provision",
            fault: FakeFault(
                method: "VM.provision", error: ["SR_BACKEND_FAILURE_44", "", "There is insufficient space", ""],
                times: 1), expected: .capacityUnavailable),
        StepFailure(
            step: "memory",
            fault: FakeFault(method: "VM.set_memory_limits", error: ["MEMORY_CONSTRAINT_VIOLATION", "x"], times: 1),
            expected: .backendRejected),
        StepFailure(
            step: "vif", fault: FakeFault(method: "VIF.create", error: ["INTERNAL_ERROR", "vif"], times: 1),
            expected: .backendRejected),
        StepFailure(
            step: "start", fault: FakeFault(method: "VM.start", error: ["NO_HOSTS_AVAILABLE"], times: 1),
            expected: .capacityUnavailable),
        StepFailure(
            step: "start call",
            fault: FakeFault(method: "Async.VM.start", error: ["VM_REQUIRES_SR", "vm", "sr"], times: 1),
            expected: .capacityUnavailable),
        StepFailure(step: "ip wait timeout", fault: nil, expected: .timeout),
    ]

    @Test(arguments: stepFailures)
    func aFailedStepLeavesNoVMAndNoDisk(_ failure: StepFailure) async throws {
        var options = FakeXAPIOptions.fast
        if let fault = failure.fault { options.faults = [fault] } else { options.guestMetricsDelay = nil }
        try await withFakePool(options, configure: { $0.ipWaitTimeoutSeconds = 0.2 }) { backend, fake in
            let error = try await #require(throws: ProvisionerError.self) {
                try await backend.allocate(request("fail-\(failure.step)"), logger: quietLogger)
            }
            #expect(error.code == failure.expected)
            let left = fake.snapshot()
            #expect(left.vms.isEmpty, "VMs left after a failed \(failure.step)")
            #expect(left.vdis.isEmpty, "VDIs left after a failed \(failure.step)")
            #expect(left.vbds.isEmpty)
            #expect(left.tasks == 0)
            if failure.fault != nil { #expect(left.faults.isEmpty) }  // the fault actually fired
        }
    }

    @Test func sessionExpiryMidProvisionLogsInAgainAndFinishes() async throws {
        var options = FakeXAPIOptions.fast
        options.faults = [FakeFault(method: "VM.provision", error: ["SESSION_INVALID", "expired"], times: 1)]
        try await withFakePool(options) { backend, fake in
            let vm = try await backend.allocate(request("expiry"), logger: quietLogger)
            #expect(vm.ipv4 != nil)
            let snapshot = fake.snapshot()
            #expect(snapshot.callCounts["session.login_with_password"] == 2)
            #expect(snapshot.callCounts["VM.provision"] == 2)
            #expect(snapshot.vms.count == 1)
            fake.expireSessions()  // between calls, too
            try await backend.release(vm, logger: quietLogger)
            #expect(fake.snapshot().vms.isEmpty && fake.snapshot().vdis.isEmpty)
        }
    }

    @Test func aPoolMemberRedirectsToTheMaster() async throws {
        let master = FakeXAPI(options: .fast)
        try await FakeXAPIServer.withRunning(master) { masterPort in
            let member = FakeXAPI(options: FakeXAPIOptions(masterAddress: "127.0.0.1:\(masterPort)"))
            try await FakeXAPIServer.withRunning(member) { memberPort in
                let backend = XCPNGProvisioner(
                    configuration: testConfiguration(port: memberPort), username: "root", password: "secret")
                let vm = try await backend.allocate(request("redirect"), logger: quietLogger)
                #expect(master.snapshot().vms.map(\.uuid) == [vm.backendRef])
                #expect(member.snapshot().callCounts["session.login_with_password"] == 1)
                #expect(member.snapshot().callCounts.count == 1)  // nothing else went to the member
                try await backend.release(vm, logger: quietLogger)
                await backend.shutdown()
                #expect(master.snapshot().vms.isEmpty && master.snapshot().sessions == 0)
            }
        }
    }

    @Test(arguments: ["OTHER_OPERATION_IN_PROGRESS", "TOO_MANY_PENDING_TASKS", "HOST_OFFLINE"])
    func transientErrorsAreRetriedWithBackoff(code: String) async throws {
        var options = FakeXAPIOptions.fast
        options.faults = [FakeFault(method: "VM.clone", error: [code, "VM"], times: 2)]
        try await withFakePool(options) { backend, fake in
            _ = try await backend.allocate(request("busy"), logger: quietLogger)
            #expect(fake.snapshot().callCounts["VM.clone"] == 3)
            #expect(fake.snapshot().vms.count == 1)
        }
    }

    @Test func anErrorRaisedBeforeDispatchIsDecoded() async throws {
        var options = FakeXAPIOptions.fast
        options.faults = [FakeFault(method: "VM.clone", error: ["NO_HOSTS_AVAILABLE"], preDispatch: true)]
        try await withFakePool(options) { backend, fake in
            let error = try await #require(throws: ProvisionerError.self) {
                try await backend.allocate(request("pre"), logger: quietLogger)
            }
            #expect(error.code == .capacityUnavailable)
            #expect(error.isRetryable)
            #expect(fake.snapshot().vms.isEmpty)
        }
    }

    @Test func aSlowCallTimesOut() async throws {
        var options = FakeXAPIOptions.fast
        options.faults = [FakeFault(method: "VM.clone", latencyMilliseconds: 2_000, times: 1)]
        try await withFakePool(options, configure: { $0.callTimeoutSeconds = 0.2 }) { backend, _ in
            let error = try await #require(throws: ProvisionerError.self) {
                try await backend.allocate(request("slow"), logger: quietLogger)
            }
            #expect(error.code == .timeout)
        }
    }

    @Test func fiftyConcurrentAllocationsQueueWithinTheTaskBound() async throws {
        var options = FakeXAPIOptions.fast
        options.faults = [FakeFault(method: "VM.clone", latencyMilliseconds: 5)]
        try await withFakePool(options, configure: { $0.maxConcurrentTasks = 2 }) { backend, fake in
            let vms = try await withThrowingTaskGroup(of: VmAllocation.self) { group in
                for index in 0..<50 {
                    group.addTask { try await backend.allocate(request("burst-\(index)"), logger: quietLogger) }
                }
                return try await group.reduce(into: [VmAllocation]()) { $0.append($1) }
            }
            #expect(vms.count == 50)
            #expect(Set(vms.compactMap(\.backendRef)).count == 50)
            #expect(Set(vms.compactMap(\.ipv4)).count == 50)
            let peak = fake.snapshot().peakOperationsInFlight
            #expect(peak <= 2, "clone/start operations in flight peaked at \(peak)")
            #expect(peak == 2, "the bound was never used")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for vm in vms { group.addTask { try await backend.release(vm, logger: quietLogger) } }
                try await group.waitForAll()
            }
            #expect(fake.snapshot().vms.isEmpty && fake.snapshot().vdis.isEmpty)
        }
    }
}
