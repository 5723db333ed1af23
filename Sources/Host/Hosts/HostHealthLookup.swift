import Foundation

/// The host an allocation's VM runs on and that host's health now, for the service and admin
/// views of allocations (never the public status).
struct HostHealthLookup: Sendable {
    let store: any Store
    let configuration: HostsConfiguration
    let now: @Sendable () -> Date

    /// The health of every host, judged now, by id.
    func all() async throws -> [String: HostHealth] {
        let now = now()
        return Dictionary(
            uniqueKeysWithValues: try await store.hosts().map { host in
                (host.hostID, judge(host, now: now))
            })
    }

    /// The host of `record` and its health; `nil` when its backend names no host. A host that is
    /// not (or no longer) known reads `never_reported`.
    func host(of record: AllocationRecord, in healths: [String: HostHealth]) -> (id: String, health: HostHealth)? {
        guard let id = record.hostID else { return nil }
        return (id, healths[id] ?? .neverReported)
    }

    /// The host of one allocation and its health.
    func host(of record: AllocationRecord) async throws -> (id: String, health: HostHealth)? {
        guard let id = record.hostID else { return nil }
        guard let host = try await store.host(id: id) else { return (id, .neverReported) }
        return (id, judge(host, now: now()))
    }

    private func judge(_ host: HostRecord, now: Date) -> HostHealth {
        configuration.health(of: host, at: now)
    }
}

extension HostsConfiguration {
    /// `host`'s health at `now`, judged by `stale_after_s` and `down_after_s`.
    func health(of host: HostRecord, at now: Date) -> HostHealth {
        host.health(
            now: now, staleAfter: TimeInterval(staleAfterSeconds), downAfter: TimeInterval(downAfterSeconds))
    }
}
