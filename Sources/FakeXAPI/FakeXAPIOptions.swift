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
    /// The template is a stock cloud image (`other_config.cloud_image`): its clones' guest agent
    /// reports only when a `cidata` config drive with contents is attached, as cloud-init brings
    /// the agent up from it.
    public var cloudImage: Bool
    /// Answer the first `PUT /import_raw_vdi` of each VDI with a 302 to `/member/import_raw_vdi`
    /// (no query), as a master does for an SR on a pool member.
    public var redirectUploads: Bool

    /// Creates options; the defaults suit local development.
    public init(
        username: String = "root", password: String = "secret", templateName: String = "debian-12-cloud",
        networkName: String = "pool-net", srName: String = "Local storage", hostMemoryBytes: Int64 = 64 << 30,
        srSizeBytes: Int64 = 500 << 30, guestMetricsDelay: Duration? = .seconds(1),
        startDuration: Duration = .milliseconds(200), masterAddress: String? = nil, faults: [FakeFault] = [],
        cloudImage: Bool = false, redirectUploads: Bool = false
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
        self.cloudImage = cloudImage
        self.redirectUploads = redirectUploads
    }
}
