import Foundation
import ProvisionerAPI

/// ``HostAvailability`` backed by the store: a host is unavailable when it is blocked, or when its
/// last report is older than `hosts.stale_after_s` (stale or down), judged at each call.
struct StoreHostAvailability: HostAvailability {
    let store: any Store
    let configuration: HostsConfiguration
    /// The clock; tests inject one.
    let now: @Sendable () -> Date

    init(store: any Store, configuration: HostsConfiguration, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.configuration = configuration
        self.now = now
    }

    func unavailableHosts() async throws -> Set<String> {
        let now = now()
        return Set(
            try await store.hosts().filter { host in
                host.blocked
                    || !configuration.health(of: host, at: now).servesNewAllocations
            }.map(\.hostID))
    }
}
