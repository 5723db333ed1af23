public import Foundation

/// One stored host report: the denormalised figures of `host_reports` (DESIGN.md section 10).
public struct HostReportSummary: Sendable, Equatable {
    /// The row id; `nil` before it is stored.
    public var id: Int64?
    public var hostID: String
    /// When the server received it.
    public var receivedAt: Date
    /// When the agent says it made it.
    public var reportedAt: Date
    public var agentVersion: String
    public var hostname: String?
    public var cpuPercent: Double?
    public var memPercent: Double?
    public var diskPercent: Double?
    public var uptimeSeconds: Int?
    /// How many guests the report lists.
    public var guestTotal: Int
    /// How many of them have `status == "running"`.
    public var guestRunning: Int
    /// `cloudflared.status`, if reported.
    public var cloudflaredStatus: String?

    public init(
        id: Int64? = nil, hostID: String, receivedAt: Date, reportedAt: Date, agentVersion: String,
        hostname: String? = nil, cpuPercent: Double? = nil, memPercent: Double? = nil, diskPercent: Double? = nil,
        uptimeSeconds: Int? = nil, guestTotal: Int = 0, guestRunning: Int = 0, cloudflaredStatus: String? = nil
    ) {
        self.id = id
        self.hostID = hostID
        self.receivedAt = receivedAt
        self.reportedAt = reportedAt
        self.agentVersion = agentVersion
        self.hostname = hostname
        self.cpuPercent = cpuPercent
        self.memPercent = memPercent
        self.diskPercent = diskPercent
        self.uptimeSeconds = uptimeSeconds
        self.guestTotal = guestTotal
        self.guestRunning = guestRunning
        self.cloudflaredStatus = cloudflaredStatus
    }
}

/// One guest as its host last reported it; `guest_id` is `<host_id>/<vmid>`.
public struct GuestRecord: Sendable, Equatable {
    public var hostID: String
    public var vmid: String
    public var name: String?
    public var status: String?
    public var controllerVersion: String?
    /// The reported `spec` object, as JSON text.
    public var specJSON: String?
    public var updatedAt: Date

    /// `<host_id>/<vmid>`.
    public var guestID: String { "\(hostID)/\(vmid)" }

    public init(
        hostID: String, vmid: String, name: String?, status: String?, controllerVersion: String?, specJSON: String?,
        updatedAt: Date
    ) {
        self.hostID = hostID
        self.vmid = vmid
        self.name = name
        self.status = status
        self.controllerVersion = controllerVersion
        self.specJSON = specJSON
        self.updatedAt = updatedAt
    }
}
