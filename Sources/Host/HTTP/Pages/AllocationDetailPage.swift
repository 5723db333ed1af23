import Foundation
import ProvisionerAPI

/// The context of `GET /admin/allocations/{id}`: every field of the service view, and the audit
/// and lifecycle events merged into one timeline, oldest first.
enum AllocationDetailPage {
    static func context(
        _ record: AllocationRecord, forgeID: String?, audit: [AuditEvent], lifecycle: [LifecycleEvent],
        orphaned: Bool, host: (id: String, health: HostHealth)? = nil, now: Date = Date()
    ) -> [String: Any] {
        var fields: [[String: Any]] = []
        if case .object(let pairs) = AllocationViews.full(record, forgeID: forgeID, host: host) {
            fields = pairs.map { field($0.0, $0.1, now: now) }
        }
        fields.append(field("orphaned_from_pool", .bool(orphaned), now: now))
        var timeline: [(at: Date, entry: [String: Any])] = audit.map { event in
            (
                event.at,
                [
                    "at": PageTime.context(event.at, now: now), "kind": event.kind, "source": "audit",
                    "actor": event.actor, "detail": event.detail ?? "",
                ]
            )
        }
        timeline += lifecycle.map { event in
            (
                event.at,
                [
                    "at": PageTime.context(event.at, now: now), "kind": event.kind, "source": event.backend,
                    "actor": false, "detail": event.detail ?? "",
                ]
            )
        }
        return [
            "vm_id": record.id,
            "state": StateBadge.allocation(record.state),
            "flags": AdminAllocationRoutes.flags(record, orphaned: orphaned, hostHealth: host?.health),
            "customer_message": record.customerMessage,
            "cockpit": CockpitLink.href(record.vm?.cockpitURL) ?? false,
            "fields": fields,
            "timeline": timeline.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
                .map(\.element.entry),
        ]
    }

    /// One `<dt>`/`<dd>` pair: times as `<time>`, absent values as `—`, lists and objects as JSON.
    private static func field(_ name: String, _ value: JSONValue, now: Date) -> [String: Any] {
        switch value {
        case .null:
            return ["name": name, "empty": true, "time": false]
        case .string(let text):
            if name.hasSuffix("_at"),
                let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
            {
                return ["name": name, "time": PageTime.context(date, now: now), "empty": false]
            }
            return ["name": name, "value": text, "empty": text.isEmpty, "time": false]
        case .array(let items) where items.isEmpty:
            return ["name": name, "empty": true, "time": false]
        case .object(let pairs) where pairs.isEmpty:
            return ["name": name, "empty": true, "time": false]
        default:
            return ["name": name, "value": value.serialized, "empty": false, "time": false]
        }
    }
}
