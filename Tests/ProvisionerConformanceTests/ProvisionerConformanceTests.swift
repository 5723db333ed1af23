import Logging
import ProvisionerAPI
import ProvisionerConformance
import Testing

struct ProvisionerConformanceTests {
    private let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    private static let allChecks = [
        "name",
        "allocate/status/release round trip",
        "idempotent allocate",
        "idempotent release",
        "status and release of an unknown allocation",
        "concurrent allocates never return the same VM",
        "errors carry codes",
    ]

    @Test(.timeLimit(.minutes(1)))
    func correctBackendPassesEveryCheck() async throws {
        let backend = ReferenceProvisioner()
        let passed = try await ProvisionerConformance.run(against: backend, logger: logger)
        #expect(passed == Self.allChecks)
        #expect(backend.liveAllocationIDs.isEmpty, "the kit releases everything it allocated")
    }

    @Test(.timeLimit(.minutes(1)), arguments: [1, 2, 32])
    func correctBackendPassesAtAnyConcurrency(concurrentAllocations: Int) async throws {
        let backend = ReferenceProvisioner()
        let options = ProvisionerConformance.Options(
            plan: PlanSpec(name: "small", vcpus: 2, memoryMiB: 2048, diskGiB: 20, priceCents: 500),
            concurrentAllocations: concurrentAllocations, allocationIDPrefix: "custom")
        try await ProvisionerConformance.run(against: backend, options: options, logger: logger)
        #expect(backend.liveAllocationIDs.isEmpty)
    }

    /// Each fake breaks one rule; the kit must fail it under the check that covers that rule.
    @Test(
        .timeLimit(.minutes(1)),
        arguments: [
            (ReferenceProvisioner.Behaviour.allocateNotIdempotent, "idempotent allocate", "returned a different VM"),
            (.releaseOfGoneThrows, "idempotent release", "not_found"),
            (.sharedBackendRef, "concurrent allocates never return the same VM", "backend refs were handed out twice"),
            (.throwsForeignError, "errors carry codes", "threw ValidationError, not ProvisionerError"),
            (.statusAfterReleaseNotGone, "allocate/status/release round trip", "status of a released VM is running"),
        ])
    func brokenBackendFailsTheCheckForTheRuleItBreaks(
        behaviour: ReferenceProvisioner.Behaviour, check: String, reason: String
    ) async throws {
        let backend = ReferenceProvisioner(behaviour)
        let failure = try await #require(throws: ConformanceFailure.self) {
            try await ProvisionerConformance.run(against: backend, logger: logger)
        }
        #expect(failure.backend == "reference")
        #expect(failure.failedChecks.contains(check), "\(failure)")
        let failed = try #require(failure.failures.first { $0.check == check })
        #expect(failed.reason.contains(reason), "\(failed.reason)")
        #expect(failure.description.contains("- \(check): "))
        #expect(Set(failure.failedChecks).isSubset(of: Self.allChecks))
        #expect(!failure.failedChecks.contains("name"))
    }

    @Test(.timeLimit(.minutes(1)))
    func brokenBackendIsStillCleanedUp() async throws {
        let backend = ReferenceProvisioner(.allocateNotIdempotent)
        await #expect(throws: ConformanceFailure.self) {
            try await ProvisionerConformance.run(against: backend, logger: logger)
        }
        #expect(backend.liveAllocationIDs.isEmpty, "the kit releases what it allocated even when checks fail")
    }

    /// A backend with an empty name fails `name` and nothing else.
    private struct NamelessProvisioner: Provisioner {
        let inner = ReferenceProvisioner()
        var name: String { "" }
        var isDemo: Bool { true }
        func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
            var vm = try await inner.allocate(request, logger: logger)
            vm.backend = name
            return vm
        }
        func release(_ allocation: VmAllocation, logger: Logger) async throws {
            try await inner.release(allocation, logger: logger)
        }
        func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus {
            try await inner.status(allocation, logger: logger)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func emptyNameFailsTheNameCheckOnly() async throws {
        let failure = try await #require(throws: ConformanceFailure.self) {
            try await ProvisionerConformance.run(against: NamelessProvisioner(), logger: logger)
        }
        #expect(failure.failedChecks == ["name"])
        #expect(failure.description.hasPrefix("backend '' failed 1 conformance check(s):\n- name: name is empty"))
    }
}
