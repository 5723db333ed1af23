/// One pre-built VM in the pool, as the operator described it.
public struct PoolVM: Sendable, Hashable, Codable {
    /// Whether the VM may be handed out.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// Free to hand out when no allocation holds it.
        case available
        /// Never handed out; an allocation already holding it keeps it.
        case maintenance
    }

    /// The VM's unique id in the pool (the allocation's `backend_ref`).
    public var id: String
    public var name: String?
    public var ipv4: String?
    public var ipv6: String?
    public var sshHost: String?
    public var sshPort: Int?
    /// A link to the VM's Cockpit web console.
    public var cockpitURL: String?
    /// The plans the VM serves; `nil` serves every plan.
    public var plans: [String]?
    public var tags: [String]
    public var status: Status
    /// The id of the host the VM runs on (`/admin/hosts`), if named: the VM is not handed out while
    /// that host is stale, down or blocked.
    public var host: String?

    /// Creates a pool VM.
    public init(
        id: String, name: String? = nil, ipv4: String? = nil, ipv6: String? = nil, sshHost: String? = nil,
        sshPort: Int? = nil, cockpitURL: String? = nil, plans: [String]? = nil, tags: [String] = [],
        status: Status = .available, host: String? = nil
    ) {
        self.id = id
        self.name = name
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.sshHost = sshHost
        self.sshPort = sshPort
        self.cockpitURL = cockpitURL
        self.plans = plans
        self.tags = tags
        self.status = status
        self.host = host
    }

    /// Whether the VM serves `plan`.
    public func serves(plan: String) -> Bool { plans.map { $0.contains(plan) } ?? true }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, ipv4, ipv6
        case sshHost = "ssh_host"
        case sshPort = "ssh_port"
        case cockpitURL = "cockpit_url"
        case plans, tags, status, host
    }
}
