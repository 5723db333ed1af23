import Logging
import ProvisionerAPI
import ProvisionerConformance
import SimulatedProvisioner
import Testing

struct SimulatedProvisionerTests {
    private let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    private let plan = PlanSpec(name: "small")

    private func request(_ id: String) -> AllocationRequest {
        AllocationRequest(allocationID: id, userID: "user-1", plan: plan, hostname: "\(id).example.test")
    }

    // MARK: Conformance

    @Test(.timeLimit(.minutes(1)), arguments: [0, 5])
    func passesTheConformanceKit(provisionDelayMilliseconds: Int) async throws {
        let backend = SimulatedProvisioner(
            configuration: .init(provisionDelayMilliseconds: provisionDelayMilliseconds))
        try await ProvisionerConformance.run(against: backend, logger: logger)
        #expect(backend.liveCount == 0)
    }

    @Test(.timeLimit(.minutes(1)))
    func passesTheConformanceKitAtExactlyItsCapacity() async throws {
        let backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0, capacity: 4))
        let options = ProvisionerConformance.Options(concurrentAllocations: 4)
        try await ProvisionerConformance.run(against: backend, options: options, logger: logger)
        #expect(backend.liveCount == 0)
    }

    @Test func isTheDemoBackendNamedSimulated() {
        let backend = SimulatedProvisioner()
        #expect(backend.name == "simulated")
        #expect(backend.name == SimulatedProvisioner.kind)
        #expect(backend.isDemo)
    }

    // MARK: Failure injection

    @Test(.timeLimit(.minutes(1)))
    func failureRateOneAlwaysFailsAndCreatesNothing() async throws {
        let backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0, failureRate: 1))
        for index in 0..<50 {
            let error = try await #require(throws: ProvisionerError.self) {
                try await backend.allocate(request("fail-\(index)"), logger: logger)
            }
            #expect(error.code == .backendUnavailable)
            #expect(error.isRetryable)
        }
        #expect(backend.liveCount == 0)
        #expect(backend.liveAllocationIDs.isEmpty)
        #expect(
            try await backend.status(VmAllocation(allocationID: "fail-0", backend: "simulated"), logger: logger)
                .powerState == .gone)
    }

    @Test(.timeLimit(.minutes(1)), arguments: [0, 1, 3])
    func capacityNMakesAllocationNPlusOneFail(capacity: Int) async throws {
        let backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0, capacity: capacity))
        var vms: [VmAllocation] = []
        for index in 0..<capacity {
            #expect(try await backend.hasCapacity(for: plan, logger: logger))
            vms.append(try await backend.allocate(request("cap-\(index)"), logger: logger))
        }
        #expect(try await backend.hasCapacity(for: plan, logger: logger) == false)

        let error = try await #require(throws: ProvisionerError.self) {
            try await backend.allocate(request("cap-over"), logger: logger)
        }
        #expect(error.code == .capacityUnavailable)
        #expect(error.isRetryable)
        #expect(backend.liveCount == capacity)

        // A VM that already exists is returned even at capacity: allocate is idempotent.
        for vm in vms {
            #expect(try await backend.allocate(request(vm.allocationID), logger: logger) == vm)
        }
        // Releasing one makes room again.
        if let first = vms.first {
            try await backend.release(first, logger: logger)
            #expect(try await backend.hasCapacity(for: plan, logger: logger))
            _ = try await backend.allocate(request("cap-over"), logger: logger)
            #expect(try await backend.hasCapacity(for: plan, logger: logger) == false)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func unlimitedCapacityAlwaysHasCapacity() async throws {
        let backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0))
        for index in 0..<20 { _ = try await backend.allocate(request("u-\(index)"), logger: logger) }
        #expect(try await backend.hasCapacity(for: plan, logger: logger))
        try await backend.checkReadiness(logger: logger)
    }

    @Test(.timeLimit(.minutes(1)))
    func capacitySlotsAreTheConfiguredCapacityOrUnbounded() async throws {
        let bounded = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0, capacity: 3))
        _ = try await bounded.allocate(request("u-1"), logger: logger)
        // Slots are capacity, not free room: the VM just made still counts as one.
        #expect(
            try await bounded.capacitySlots(for: plan, logger: logger)
                == CapacitySlots(plan: 3, total: 3, exhaustedCode: .capacityUnavailable))
        let unbounded = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0))
        #expect(try await unbounded.capacitySlots(for: plan, logger: logger) == nil)
    }

    /// Allocates `count` fresh ids in order and records which succeeded.
    private func outcomes(seed: UInt64, count: Int) async -> [Bool] {
        let backend = SimulatedProvisioner(
            configuration: .init(provisionDelayMilliseconds: 0, failureRate: 0.5, seed: seed))
        var results: [Bool] = []
        for index in 0..<count {
            do {
                _ = try await backend.allocate(request("seeded-\(index)"), logger: logger)
                results.append(true)
            } catch {
                #expect(error as? ProvisionerError == .backendUnavailable())
                results.append(false)
            }
        }
        #expect(backend.liveCount == results.filter { $0 }.count, "a failed allocate creates nothing")
        return results
    }

    @Test(.timeLimit(.minutes(1)))
    func seededFailureRateIsRepeatable() async throws {
        let first = await outcomes(seed: 42, count: 64)
        let second = await outcomes(seed: 42, count: 64)
        #expect(first == second)
        #expect(first.contains(true) && first.contains(false), "a rate of 0.5 gives both outcomes")
        #expect(await outcomes(seed: 43, count: 64) != first, "another seed gives another sequence")
    }

    @Test(.timeLimit(.minutes(1)))
    func cancelledAllocateDuringItsDelayIsATimeoutAndCreatesNothing() async throws {
        let backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 600_000))
        let logger = logger
        let task = Task { try await backend.allocate(request("slow"), logger: logger) }
        task.cancel()
        await #expect(throws: ProvisionerError.timeout()) { try await task.value }
        #expect(backend.liveCount == 0)
    }

    // MARK: Addresses

    /// The 8 groups of an IPv6 address, or `nil` when it is not one.
    private func ipv6Groups(_ text: String) -> [UInt16]? {
        var halves = [Substring(text)]
        if let gap = text.firstRange(of: "::") {
            halves = [text[..<gap.lowerBound], text[gap.upperBound...]]
            guard halves[1].firstRange(of: "::") == nil else { return nil }
        }
        func groups(_ part: Substring) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            var result: [UInt16] = []
            for field in fields {
                guard (1...4).contains(field.count), let value = UInt16(field, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }

    /// The 4 octets of an IPv4 address, or `nil` when it is not one.
    private func ipv4Octets(_ text: String) -> [UInt8]? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        return octets.count == 4 ? octets : nil
    }

    @Test func addressParsersAcceptOnlyAddresses() {
        #expect(ipv6Groups("2001:db8::1") == [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])
        #expect(ipv6Groups("2001:db8::1:0") == [0x2001, 0xdb8, 0, 0, 0, 0, 1, 0])
        #expect(ipv6Groups("2001:db8::10000") == nil)
        #expect(ipv6Groups("2001:db8:1") == nil)
        #expect(ipv4Octets("192.0.2.1") == [192, 0, 2, 1])
        #expect(ipv4Octets("192.0.2.256") == nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func addressesAreInTheDocumentationRanges() async throws {
        let backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0))
        var ipv6Seen: Set<String> = []
        for index in 0..<300 {
            let vm = try await backend.allocate(request("addr-\(index)"), logger: logger)
            let ipv6 = try #require(vm.ipv6)
            let groups = try #require(ipv6Groups(ipv6), "\(ipv6) is not an IPv6 address")
            #expect(groups.prefix(2) == [0x2001, 0x0db8], "\(ipv6) is outside 2001:db8::/32")
            #expect(ipv6Seen.insert(ipv6).inserted, "\(ipv6) handed out twice")
            let ipv4 = try #require(vm.ipv4)
            let octets = try #require(ipv4Octets(ipv4), "\(ipv4) is not an IPv4 address")
            #expect(octets.prefix(3) == [192, 0, 2], "\(ipv4) is outside 192.0.2.0/24")
            #expect((1...254).contains(octets[3]), "\(ipv4) is a network or broadcast address")
            #expect(vm.sshHost == ipv6)
            #expect(vm.sshPort == 22)
            #expect(vm.hostname == "addr-\(index).example.test")
            #expect(vm.backend == "simulated")
        }
    }

    /// Past the 65,535th VM a one-group host part no longer fits in 16 bits.
    @Test(.timeLimit(.minutes(1)))
    func addressesStayValidPastSixteenBitsOfHostNumbers() async throws {
        let backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0))
        var last: [VmAllocation] = []
        for index in 0..<(0x1_0000 + 2) {
            let vm = try await backend.allocate(request("many-\(index)"), logger: logger)
            try await backend.release(vm, logger: logger)
            if index >= 0xFFFD { last.append(vm) }
        }
        for vm in last {
            let ipv6 = try #require(vm.ipv6)
            let groups = try #require(ipv6Groups(ipv6), "\(ipv6) is not an IPv6 address")
            #expect(groups.prefix(2) == [0x2001, 0x0db8])
        }
        #expect(
            last.map(\.ipv6) == [
                "2001:db8::fffe", "2001:db8::ffff", "2001:db8::1:0", "2001:db8::1:1", "2001:db8::1:2",
            ])
        #expect(last.map(\.sshHost) == last.map(\.ipv6))
    }

    // MARK: Plugin

    @Test func pluginBuildsTheBackendFromItsSubtree() throws {
        let registry = BackendRegistry([SimulatedProvisioner.plugin])
        let context = BackendContext(logger: logger)
        #expect(registry.kinds == ["simulated"])

        let node = simulatedNode([("provision_delay_ms", "0"), ("capacity", "2")])
        let backend = try registry.makeBackend(kind: "simulated", config: node, context: context)
        let simulated = try #require(backend as? SimulatedProvisioner)
        #expect(simulated.configuration == .init(provisionDelayMilliseconds: 0, capacity: 2))

        let defaults = try #require(
            try registry.makeBackend(kind: "simulated", config: nil, context: context) as? SimulatedProvisioner)
        #expect(defaults.configuration == SimulatedProvisionerConfiguration())
    }

    @Test func pluginReportsConfigErrors() throws {
        let registry = BackendRegistry([SimulatedProvisioner.plugin])
        let error = try #require(throws: ConfigError.self) {
            try registry.makeBackend(
                kind: "simulated", config: simulatedNode([("failure_rate", "1.5")]),
                context: BackendContext(logger: logger))
        }
        #expect(error.path == "provisioner.simulated.failure_rate")
    }

    @Test func capabilitiesAreDiscoverable() {
        let backend: any Provisioner = SimulatedProvisioner()
        #expect(backend is any CapacityReporting)
        #expect(backend is any CapacityCounting)
        #expect(backend is any ReadinessChecking)
    }
}
