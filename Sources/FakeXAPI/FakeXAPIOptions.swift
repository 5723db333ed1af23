/// How a fake XAPI server starts: credentials, seeded pool objects, timing and faults.
public struct FakeXAPIOptions: Sendable {
    /// The only user that may log in.
    public var username: String
    /// Its password.
    public var password: String
    /// The name label of the seeded template (a 2 GiB disk, 1 VCPU, 512 MiB).
    public var templateName: String
    /// The name label of the seeded network.
    public var networkName: String
    /// The name label of the seeded SR (the pool default).
    public var srName: String
    /// The seeded host's memory.
    public var hostMemoryBytes: Int64
    /// The seeded SR's size.
    public var srSizeBytes: Int64
    /// How long after a start the guest agent first reports; `nil` = never.
    public var guestMetricsDelay: Duration?
    /// How long an `Async.VM.start` task stays pending.
    public var startDuration: Duration
    /// Member mode: every call answers `HOST_IS_SLAVE [masterAddress]`.
    public var masterAddress: String?
    /// Faults active from the start.
    public var faults: [FakeFault]

    /// Creates options; the defaults suit local development.
    public init(
        username: String = "root", password: String = "secret", templateName: String = "debian-12-cloud",
        networkName: String = "pool-net", srName: String = "Local storage", hostMemoryBytes: Int64 = 64 << 30,
        srSizeBytes: Int64 = 500 << 30, guestMetricsDelay: Duration? = .seconds(1),
        startDuration: Duration = .milliseconds(200), masterAddress: String? = nil, faults: [FakeFault] = []
    ) {
        self.username = username
        self.password = password
        self.templateName = templateName
        self.networkName = networkName
        self.srName = srName
        self.hostMemoryBytes = hostMemoryBytes
        self.srSizeBytes = srSizeBytes
        self.guestMetricsDelay = guestMetricsDelay
        self.startDuration = startDuration
        self.masterAddress = masterAddress
        self.faults = faults
    }
}
