public import Foundation

/// How recently a host reported in, as the dead-man's switch judges it (DESIGN.md section 10).
public enum HostHealth: String, Sendable, Hashable, CaseIterable {
    /// The host was minted and has never reported.
    case neverReported = "never_reported"
    /// The last report is younger than `hosts.stale_after_s`.
    case ok
    /// No report for `hosts.stale_after_s` or longer.
    case stale
    /// No report for `hosts.down_after_s` or longer.
    case down

    /// The health of a host whose last report arrived at `lastReportAt`, judged at `now`.
    ///
    /// - Parameters:
    ///   - lastReportAt: When the last report arrived; `nil` when none ever did.
    ///   - now: The time of the judgement.
    ///   - staleAfter: Seconds of silence before a host is stale.
    ///   - downAfter: Seconds of silence before a host is down (not less than `staleAfter`).
    public static func judge(lastReportAt: Date?, now: Date, staleAfter: TimeInterval, downAfter: TimeInterval)
        -> HostHealth
    {
        guard let lastReportAt else { return .neverReported }
        let silence = now.timeIntervalSince(lastReportAt)
        if silence >= downAfter { return .down }
        if silence >= staleAfter { return .stale }
        return .ok
    }

    /// Whether a pool VM on a host of this health may be handed out.
    public var servesNewAllocations: Bool { self == .ok || self == .neverReported }

    /// The lifecycle event a move from `previous` to this health emits, if any: `host_stale`,
    /// `host_down`, or `host_recovered` (back to `ok` from stale or down). Nothing for a first
    /// report (from `never_reported`) or for no change.
    public func transitionEvent(from previous: HostHealth) -> String? {
        guard previous != self else { return nil }
        switch self {
        case .stale: return "host_stale"
        case .down: return "host_down"
        case .ok: return previous == .neverReported ? nil : "host_recovered"
        case .neverReported: return nil
        }
    }
}
