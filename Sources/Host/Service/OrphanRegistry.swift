public import Foundation
public import ProvisionerAPI
import Synchronization

/// The backend resources tagged as ours that no active allocation owns, as the last reconcile
/// pass found them. They are reported (events, `/admin/orphans`), never deleted automatically.
public final class OrphanRegistry: Sendable {
    /// One orphan and when it was first seen.
    public struct Orphan: Sendable, Equatable {
        public var item: InventoryItem
        public var firstSeen: Date
    }

    private let state = Mutex<[String: Orphan]>([:])

    public init() {}

    /// The orphans, oldest first.
    public var current: [Orphan] {
        state.withLock { $0.values.sorted { ($0.firstSeen, $0.item.backendRef) < ($1.firstSeen, $1.item.backendRef) } }
    }

    /// Replaces the set with what a pass found; returns the items not seen before.
    func update(_ items: [InventoryItem], now: Date) -> [InventoryItem] {
        state.withLock { orphans in
            var next: [String: Orphan] = [:]
            var fresh: [InventoryItem] = []
            for item in items {
                if let known = orphans[item.backendRef] {
                    next[item.backendRef] = Orphan(item: item, firstSeen: known.firstSeen)
                } else {
                    next[item.backendRef] = Orphan(item: item, firstSeen: now)
                    fresh.append(item)
                }
            }
            orphans = next
            return fresh
        }
    }
}
