public import Foundation

/// A host that runs guests and reports in (DESIGN.md section 10).
///
/// Its columns come in two kinds: operator-owned ones (``label``, ``owner``, ``labels``,
/// ``blocked``, ``desiredJSON``, ``desiredGeneration``), written only by admin routes, and reality
/// columns (``agentVersion``, ``hostname``, ``lastReportAt``), written only by a report. A report
/// never overwrites an operator-owned column.
public struct HostRecord: Sendable, Equatable {
    /// `<label>-<8 hex>`.
    public var hostID: String
    /// The operator's short name (`fra1`).
    public var label: String
    /// Who runs the host (`ops`), if given.
    public var owner: String?
    /// Operator labels (reserved for later use; stored and returned).
    public var labels: [String: String]
    /// Whether the operator blocked the host: its reports are accepted (and told so), its pool VMs
    /// are not handed out.
    public var blocked: Bool
    /// The SHA-256 of the host's API key, lowercase hex. The key itself is never stored.
    public var keyHash: String
    /// What the operator wants the host to run (reserved for a later issue), as JSON text.
    public var desiredJSON: String?
    /// The generation of ``desiredJSON``; 0 while none was set.
    public var desiredGeneration: Int
    public var createdAt: Date
    /// When an operator column last changed.
    public var updatedAt: Date

    /// The agent version of the last report.
    public var agentVersion: String?
    /// The hostname of the last report.
    public var hostname: String?
    /// When the last report arrived (the server's clock).
    public var lastReportAt: Date?
    /// The health the dead-man's switch last announced (it changes only by compare-and-set).
    public var announcedHealth: HostHealth
    /// When ``announcedHealth`` last changed.
    public var healthChangedAt: Date?
    /// The last report's denormalised figures, if it is still kept.
    public var lastReport: HostReportSummary?

    /// A newly minted host.
    public init(
        hostID: String, label: String, owner: String?, labels: [String: String] = [:], keyHash: String, now: Date
    ) {
        self.hostID = hostID
        self.label = label
        self.owner = owner
        self.labels = labels
        self.blocked = false
        self.keyHash = keyHash
        self.desiredJSON = nil
        self.desiredGeneration = 0
        self.createdAt = now
        self.updatedAt = now
        self.agentVersion = nil
        self.hostname = nil
        self.lastReportAt = nil
        self.announcedHealth = .neverReported
        self.healthChangedAt = nil
        self.lastReport = nil
    }

    /// The host's health at `now` under the given thresholds.
    public func health(now: Date, staleAfter: TimeInterval, downAfter: TimeInterval) -> HostHealth {
        HostHealth.judge(lastReportAt: lastReportAt, now: now, staleAfter: staleAfter, downAfter: downAfter)
    }
}
