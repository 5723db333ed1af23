/// A VM a backend created or assigned for one allocation.
public struct VmAllocation: Sendable, Hashable, Codable {
    /// The allocation id the Host chose (the API's `vm_id`).
    public var allocationID: String
    /// The backend kind that owns the VM.
    public var backend: String
    /// The backend's own identifier for the VM (a pool VM id, a XAPI VM UUID), if known.
    /// Operator-only: never shown on a public route.
    public var backendRef: String?
    /// The VM's IPv4 address, if it has one.
    public var ipv4: String?
    /// The VM's IPv6 address, if it has one.
    public var ipv6: String?
    /// The VM's hostname, if the backend set or knows one.
    public var hostname: String?
    /// Where to reach the VM's SSH server.
    public var sshHost: String?
    /// The SSH port; `22` when the backend does not say.
    public var sshPort: Int?
    /// A link to the VM's Cockpit web console, if the backend knows one.
    public var cockpitURL: String?
    /// Backend-specific facts worth keeping (operator-only).
    public var attributes: [String: String]
    /// The attempt that created the VM (``AllocationRequest/attempt``), when the backend tags it.
    ///
    /// `release` of an allocation with an attempt and no ``backendRef`` removes what that attempt
    /// created and nothing else (the teardown of a failed attempt); with `nil` it removes
    /// everything tagged with the allocation id.
    public var attempt: Int?

    /// Creates an allocation.
    public init(
        allocationID: String,
        backend: String,
        backendRef: String? = nil,
        ipv4: String? = nil,
        ipv6: String? = nil,
        hostname: String? = nil,
        sshHost: String? = nil,
        sshPort: Int? = nil,
        cockpitURL: String? = nil,
        attributes: [String: String] = [:],
        attempt: Int? = nil
    ) {
        self.allocationID = allocationID
        self.backend = backend
        self.backendRef = backendRef
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.hostname = hostname
        self.sshHost = sshHost
        self.sshPort = sshPort
        self.cockpitURL = cockpitURL
        self.attributes = attributes
        self.attempt = attempt
    }
}
