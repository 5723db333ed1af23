public import ProvisionerAPI

/// `hosts:` keys (DESIGN.md section 10): `check_interval_s` (integer, default 60, 1...86400: how
/// often the dead-man's switch looks), `stale_after_s` (integer, default 1800, 1...2592000: silence
/// before a host is `stale`), `down_after_s` (integer, default 3600, 1...2592000, not less than
/// `stale_after_s`: silence before it is `down`), `max_report_bytes` (integer, default 4194304,
/// 1024...67108864: larger reports are refused with 413), `report_retention_days` (integer, default
/// 30, 1...3650: older `host_reports` rows are pruned), `poll_interval_s` (integer, default 900,
/// 10...86400: the `poll_interval_seconds` a report's reply tells the agent), `global_key_env`
/// (env var name, optional, no default: a key that may report for any existing host).
public struct HostsConfiguration: Sendable, Equatable {
    /// Seconds between two looks of the dead-man's switch.
    public var checkIntervalSeconds: Int = 60
    /// Seconds without a report before a host is stale.
    public var staleAfterSeconds: Int = 1800
    /// Seconds without a report before a host is down.
    public var downAfterSeconds: Int = 3600
    /// The largest report body accepted.
    public var maxReportBytes: Int = 4_194_304
    /// Days a host report is kept.
    public var reportRetentionDays: Int = 30
    /// The interval an agent is told to report at.
    public var pollIntervalSeconds: Int = 900
    /// The env var holding a global reporting key, or `nil` for none.
    public var globalKeyEnv: String?
    /// Creates the section with defaults.
    public init() {}
}

extension HostsConfiguration {
    /// The keys `hosts:` accepts.
    static let keys = [
        "check_interval_s", "stale_after_s", "down_after_s", "max_report_bytes", "report_retention_days",
        "poll_interval_s", "global_key_env",
    ]

    init(decoding node: ConfigNode) throws {
        self.init()
        let map = try node.mapping(allowing: Self.keys)
        checkIntervalSeconds = try map.int("check_interval_s", default: checkIntervalSeconds, in: 1...86_400)
        staleAfterSeconds = try map.int("stale_after_s", default: staleAfterSeconds, in: 1...2_592_000)
        downAfterSeconds = try map.int("down_after_s", default: downAfterSeconds, in: 1...2_592_000)
        guard downAfterSeconds >= staleAfterSeconds else {
            throw ConfigError(
                node: map.node("down_after_s") ?? node,
                message: "down_after_s (\(downAfterSeconds)) must not be less than stale_after_s (\(staleAfterSeconds))"
            )
        }
        maxReportBytes = try map.int("max_report_bytes", default: maxReportBytes, in: 1024...67_108_864)
        reportRetentionDays = try map.int("report_retention_days", default: reportRetentionDays, in: 1...3650)
        pollIntervalSeconds = try map.int("poll_interval_s", default: pollIntervalSeconds, in: 10...86_400)
        if map.node("global_key_env") != nil {
            globalKeyEnv = try map.envVarName("global_key_env", default: "")
        }
    }
}
