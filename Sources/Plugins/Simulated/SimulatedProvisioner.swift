public import Logging
public import ProvisionerAPI
import Synchronization

/// The reference backend: allocates instantly or after a configured delay, creates nothing real,
/// and hands out documentation-range addresses (`2001:db8::/32`, `192.0.2.0/24`).
///
/// It is the in-core reference implementation of ``Provisioner`` and can inject the failures the
/// framework must survive. It never marks a launch check as passed: its VMs go through the same
/// verification path as real ones.
public final class SimulatedProvisioner: Provisioner, CapacityReporting, ReadinessChecking, ShutdownHandling,
    InventoryListing
{
    /// The backend kind in config.
    public static let kind = "simulated"

    /// `simulated`.
    public var name: String { Self.kind }
    /// Always `true`: nothing real is created.
    public var isDemo: Bool { true }

    /// The configuration it runs with.
    public let configuration: SimulatedProvisionerConfiguration

    private struct State {
        /// The VMs by allocation id, then by the attempt that created them (`nil`: untagged).
        var vms: [String: [Int?: VmAllocation]] = [:]
        var count: Int { vms.values.reduce(0) { $0 + $1.count } }
        var nextHostNumber: UInt64 = 1
        var random: SplitMix64
        /// The SSH banner listener, once bound (`ssh_banner_listener`).
        var bannerListener: SimulatedSSHBannerListener?
        /// Set by ``SimulatedProvisioner/shutdown()``; no listener is bound after it.
        var isShutDown = false
        /// The failures injected now.
        var faults = SimulatedFaults()
        /// Allocations whose VMs are stopped (``SimulatedProvisioner/stop(allocationID:)``).
        var stopped: Set<String> = []
    }

    // The VMs that exist, keyed by allocation id; the one mutable cell, guarded by its Mutex.
    private let state: Mutex<State>

    /// Creates a simulated backend.
    public init(configuration: SimulatedProvisionerConfiguration = .init()) {
        self.configuration = configuration
        let seed = configuration.seed ?? UInt64.random(in: 0...UInt64.max)
        var initial = State(random: SplitMix64(seed: seed))
        initial.faults = configuration.faults
        self.state = Mutex(initial)
    }

    /// Replaces the injected failures (tests turn them on and off mid-run).
    public func setFaults(_ faults: SimulatedFaults) {
        state.withLock { $0.faults = faults }
    }

    private var faults: SimulatedFaults { state.withLock { $0.faults } }

    /// Waits until the task is cancelled: the injected hang.
    private func hang(_ operation: String) async throws -> Never {
        while true {
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                throw ProvisionerError.timeout("simulated \(operation) hang was cancelled")
            }
        }
    }

    /// The number of VMs that currently exist (for tests and leak checks).
    public var liveCount: Int { state.withLock { $0.count } }

    /// The allocation ids of the VMs that currently exist.
    public var liveAllocationIDs: Set<String> { state.withLock { Set($0.vms.keys) } }

    /// Creates a VM after the configured delay, or returns the one already created for this id and
    /// attempt. The VM is tagged with the attempt, so a teardown of a failed attempt removes it
    /// and nothing another attempt created.
    public func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
        guard !request.allocationID.isEmpty else {
            throw ProvisionerError.invalidRequest("The allocation id is empty.")
        }
        if let existing = state.withLock({ $0.vms[request.allocationID]?[request.attempt] }) {
            return existing
        }
        if faults.hangAllocate { try await hang("allocate") }
        if configuration.provisionDelayMilliseconds > 0 {
            do {
                try await Task.sleep(for: .milliseconds(configuration.provisionDelayMilliseconds))
            } catch {
                throw ProvisionerError.timeout("simulated allocate cancelled during its delay")
            }
        }
        let sshEndpoint = try await sshEndpoint()
        let result: Result<VmAllocation, ProvisionerError> = state.withLock { state in
            if let existing = state.vms[request.allocationID]?[request.attempt] { return .success(existing) }
            if configuration.failureRate > 0, state.random.nextUnit() < configuration.failureRate {
                return .failure(
                    .backendUnavailable("simulated allocate failure (failure_rate \(configuration.failureRate))"))
            }
            if let capacity = configuration.capacity, state.count >= capacity {
                return .failure(.capacityUnavailable("simulated capacity of \(capacity) VMs reached"))
            }
            let number = state.nextHostNumber
            state.nextHostNumber += 1
            let ipv6 = Self.documentationIPv6(hostNumber: number)
            let vm = VmAllocation(
                allocationID: request.allocationID,
                backend: Self.kind,
                backendRef: "sim-\(number)",
                ipv4: "192.0.2.\(Int(number % 254) + 1)",
                ipv6: ipv6,
                hostname: request.hostname,
                sshHost: sshEndpoint?.host ?? ipv6,
                sshPort: sshEndpoint?.port ?? 22,
                attributes: ["simulated": "true"], attempt: request.attempt)
            state.vms[request.allocationID, default: [:]][request.attempt] = vm
            return .success(vm)
        }
        let vm = try result.get()
        if faults.leaveLeftover {
            throw ProvisionerError.backendUnavailable(
                "simulated allocate created \(vm.backendRef ?? "") and then failed")
        }
        logger.info(
            "simulated VM allocated",
            metadata: ["allocation.id": "\(request.allocationID)", "vm.ref": "\(vm.backendRef ?? "")"])
        return vm
    }

    /// Where VMs' SSH is reached: the banner listener when `ssh_banner_listener` is on (bound on
    /// first use), else `nil` for the VM's own address.
    private func sshEndpoint() async throws -> (host: String, port: Int)? {
        guard configuration.sshBannerListener else { return nil }
        if let listener = state.withLock({ $0.bannerListener }) {
            return (SimulatedSSHBannerListener.host, listener.port)
        }
        let bound: SimulatedSSHBannerListener
        do {
            bound = try await SimulatedSSHBannerListener.bind()  // outside the lock; a racing bind may win
        } catch {
            throw ProvisionerError.backendUnavailable("simulated SSH banner listener could not bind: \(error)")
        }
        let (winner, keptBound) = state.withLock { state -> (SimulatedSSHBannerListener?, Bool) in
            if state.isShutDown { return (nil, false) }
            if let existing = state.bannerListener { return (existing, false) }
            state.bannerListener = bound
            return (bound, true)
        }
        if !keptBound { await bound.close() }
        guard let winner else {
            throw ProvisionerError.backendUnavailable("the simulated backend is shut down")
        }
        return (SimulatedSSHBannerListener.host, winner.port)
    }

    /// Closes the SSH banner listener, if one was bound; later allocations that need it fail with
    /// `backend_unavailable`. VMs are kept.
    public func shutdown() async {
        let listener = state.withLock { state in
            state.isShutDown = true
            defer { state.bannerListener = nil }
            return state.bannerListener
        }
        await listener?.close()
    }

    /// `2001:db8::` followed by the host number in 16-bit groups (`1` → `2001:db8::1`,
    /// `0x10000` → `2001:db8::1:0`), so the address stays valid past 65,535 VMs.
    private static func documentationIPv6(hostNumber number: UInt64) -> String {
        var groups: [String] = []
        var rest = number
        repeat {
            groups.insert(String(rest & 0xFFFF, radix: 16), at: 0)
            rest >>= 16
        } while rest > 0
        return "2001:db8::" + groups.joined(separator: ":")
    }

    /// Forgets the allocation's VMs: with an ``VmAllocation/attempt`` only that attempt's, else
    /// every one. Releasing what does not exist succeeds.
    public func release(_ allocation: VmAllocation, logger: Logger) async throws {
        let faults = faults
        if faults.hangRelease { try await hang("release") }
        if faults.failRelease { throw ProvisionerError.backendUnavailable("simulated release failure") }
        let removed = state.withLock { state -> Int in
            guard let attempt = allocation.attempt else {
                return state.vms.removeValue(forKey: allocation.allocationID)?.count ?? 0
            }
            let gone = state.vms[allocation.allocationID]?.removeValue(forKey: attempt) == nil ? 0 : 1
            if state.vms[allocation.allocationID]?.isEmpty == true {
                state.vms.removeValue(forKey: allocation.allocationID)
            }
            return gone
        }
        logger.debug(
            "simulated VM released",
            metadata: ["allocation.id": "\(allocation.allocationID)", "vm.count": "\(removed)"])
    }

    /// `running` while the VM exists, `gone` otherwise.
    public func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus {
        let (exists, faults) = state.withLock { state in
            let held = state.vms[allocation.allocationID] ?? [:]
            return (allocation.attempt.map { held[$0] != nil } ?? !held.isEmpty, state.faults)
        }
        guard exists, !faults.reportGone else { return VmStatus(powerState: .gone) }
        let stopped = faults.reportStopped || state.withLock { $0.stopped.contains(allocation.allocationID) }
        return VmStatus(powerState: stopped ? .stopped : .running)
    }

    /// Every VM that exists, tagged with its allocation id.
    public func listInventory(logger: Logger) async throws -> [InventoryItem] {
        state.withLock { state in
            state.vms.values.flatMap(\.values).map {
                InventoryItem(backendRef: $0.backendRef ?? $0.allocationID, allocationID: $0.allocationID)
            }
        }
    }

    /// Whether one more VM fits under `capacity`.
    public func hasCapacity(for plan: PlanSpec, logger: Logger) async throws -> Bool {
        guard let capacity = configuration.capacity else { return true }
        return state.withLock { $0.count < capacity }
    }

    /// Always ready.
    public func checkReadiness(logger: Logger) async throws {}
}

extension SimulatedProvisioner: PowerControlling {
    /// Stops the allocation's VMs, as if someone shut them down behind our back (tests).
    public func stop(allocationID: String) {
        state.withLock { _ = $0.vms[allocationID] == nil ? nil : $0.stopped.insert(allocationID) }
    }

    /// Starts the allocation's VMs again.
    ///
    /// - Throws: `not_found` when the allocation has no VM.
    public func start(_ allocation: VmAllocation, logger: Logger) async throws {
        let found = state.withLock { state -> Bool in
            guard state.vms[allocation.allocationID] != nil else { return false }
            state.stopped.remove(allocation.allocationID)
            return true
        }
        guard found else { throw ProvisionerError.notFound("The simulated VM is gone.") }
        logger.debug("simulated VM started", metadata: ["allocation.id": "\(allocation.allocationID)"])
    }
}

extension SimulatedProvisioner: CapacityCounting {
    /// `capacity` slots for every plan and in all, refused with `capacity_unavailable` once full;
    /// `nil` (unbounded) when no `capacity` is configured.
    public func capacitySlots(for plan: PlanSpec, logger: Logger) async throws -> CapacitySlots? {
        configuration.capacity.map { CapacitySlots(plan: $0, total: $0) }
    }
}

extension SimulatedProvisioner {
    /// The plugin entry the Host lists: builds the backend from `provisioner.simulated`.
    public static let plugin = BackendPlugin(kind: kind) { node, _ in
        SimulatedProvisioner(configuration: try SimulatedProvisionerConfiguration(decoding: node))
    }
}
