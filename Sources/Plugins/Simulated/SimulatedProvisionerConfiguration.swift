public import ProvisionerAPI

/// Config of the simulated backend, the subtree `provisioner.simulated`.
///
/// Keys:
/// - `provision_delay_ms` (integer, optional, default 50, 0...600000): how long `allocate` takes.
/// - `failure_rate` (number, optional, default 0.0, 0...1): the share of `allocate` calls that fail
///   with `backend_unavailable` before creating anything.
/// - `capacity` (integer, optional, default unlimited, 0...10000000): how many VMs may exist at once;
///   past it `allocate` fails with `capacity_unavailable` and ``CapacityReporting`` says no; the
///   Host also reserves one of these slots per accepted order (``CapacityCounting``).
/// - `seed` (integer, optional, default random): seeds the failure draw, for repeatable runs.
/// - `ssh_banner_listener` (bool, optional, default false): run one loopback listener on
///   `127.0.0.1` (an OS-chosen port) that answers every connection with an SSH identification line,
///   and point every VM's `ssh_host`/`ssh_port` at it, so the SSH launch check passes for real.
/// - `faults` (mapping, optional): failures to inject; see ``SimulatedFaults``.
public struct SimulatedProvisionerConfiguration: Sendable, Equatable {
    /// How long `allocate` takes, in milliseconds.
    public var provisionDelayMilliseconds: Int
    /// The share of `allocate` calls that fail, 0...1.
    public var failureRate: Double
    /// The most VMs that may exist at once, or `nil` for no limit.
    public var capacity: Int?
    /// Seeds the failure draw, or `nil` for a random seed.
    public var seed: UInt64?
    /// Whether VMs point their SSH endpoint at a loopback listener that sends an SSH banner.
    public var sshBannerListener: Bool
    /// Failures injected from the start.
    public var faults: SimulatedFaults

    /// Creates a configuration; defaults match the embedded default config.
    public init(
        provisionDelayMilliseconds: Int = 50, failureRate: Double = 0, capacity: Int? = nil, seed: UInt64? = nil,
        sshBannerListener: Bool = false, faults: SimulatedFaults = .init()
    ) {
        self.provisionDelayMilliseconds = provisionDelayMilliseconds
        self.failureRate = failureRate
        self.capacity = capacity
        self.seed = seed
        self.sshBannerListener = sshBannerListener
        self.faults = faults
    }

    enum Keys: String, CaseIterable {
        case provisionDelayMilliseconds = "provision_delay_ms"
        case failureRate = "failure_rate"
        case capacity
        case seed
        case sshBannerListener = "ssh_banner_listener"
        case faults
    }

    /// Decodes the `provisioner.simulated` subtree; an absent subtree gives the defaults.
    ///
    /// - Throws: ``ConfigError`` naming the key and position of a bad value.
    public init(decoding node: ConfigNode?) throws {
        self.init()
        guard let node else { return }
        let map = try node.mapping(allowing: Keys.self)
        provisionDelayMilliseconds = try map.int(
            Keys.provisionDelayMilliseconds.rawValue, default: provisionDelayMilliseconds, in: 0...600_000)
        failureRate = try map.double(Keys.failureRate.rawValue, default: failureRate, in: 0...1)
        capacity = try map.int(Keys.capacity.rawValue, in: 0...10_000_000)
        seed = try map.int(Keys.seed.rawValue, in: 0...Int.max).map { UInt64($0) }
        sshBannerListener = try map.bool(Keys.sshBannerListener.rawValue, default: sshBannerListener)
        if let faultsNode = map.node(Keys.faults.rawValue) {
            let faultMap = try faultsNode.mapping(allowing: SimulatedFaults.Keys.self)
            func flag(_ key: SimulatedFaults.Keys) throws -> Bool { try faultMap.bool(key.rawValue, default: false) }
            faults = SimulatedFaults(
                hangAllocate: try flag(.hangAllocate), leaveLeftover: try flag(.leaveLeftover),
                failRelease: try flag(.failRelease), hangRelease: try flag(.hangRelease),
                reportGone: try flag(.reportGone), reportStopped: try flag(.reportStopped))
        }
    }
}
