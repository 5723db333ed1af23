import Foundation
import ProvisionerAPI

/// The JSON shapes of an allocation: the service view and the sanitized public status view.
enum AllocationViews {
    /// The fields of `GET /v1/vm/{id}/status`, exactly these and in this order.
    static let publicStatusFields = [
        "vm_id", "launch_proof_status", "payment_status", "dns_aaaa_verified", "ssh_smoke_status",
        "rollback_available", "customer_message", "is_demo", "updated_at",
    ]

    /// The public status view: launch-proof facts and the safe customer message, nothing else.
    static func publicStatus(_ record: AllocationRecord) -> JSONValue {
        .object([
            ("vm_id", .string(record.id)),
            ("launch_proof_status", .string(record.state.rawValue)),
            ("payment_status", .string(record.paymentStatus.rawValue)),
            ("dns_aaaa_verified", .string(record.dnsAAAA.rawValue)),
            ("ssh_smoke_status", .string(record.sshSmoke.rawValue)),
            ("rollback_available", .bool(record.rollbackAvailable)),
            ("customer_message", .string(record.customerMessage)),
            ("is_demo", .bool(record.isDemo)),
            ("updated_at", .date(record.updatedAt)),
        ])
    }

    /// The service view, for the onboarding service and operators.
    ///
    /// - Parameters:
    ///   - forgeID: The user's forge id from the user record (`null` when none).
    ///   - events: The audit events, for the single-VM view.
    ///   - lifecycleEvents: The lifecycle events, for the single-VM view.
    ///   - host: The host the VM runs on and its health now, when its backend names one; `nil`
    ///     writes `host` and `host_health` as `null`.
    static func full(
        _ record: AllocationRecord, forgeID: String?, events: [AuditEvent]? = nil,
        lifecycleEvents: [LifecycleEvent]? = nil, host: (id: String, health: HostHealth)? = nil
    ) -> JSONValue {
        let vm = record.vm
        var pairs: [(String, JSONValue)] = [
            ("vm_id", .string(record.id)),
            ("user_id", .string(record.userID)),
            ("forge_id", .string(forgeID)),
            ("plan", .string(record.plan)),
            ("backend", .string(record.backend)),
            ("is_demo", .bool(record.isDemo)),
            ("launch_proof_status", .string(record.state.rawValue)),
            ("payment_status", .string(record.paymentStatus.rawValue)),
            ("payment_reference", .string(record.paymentReference)),
            ("hostname", .string(record.hostname ?? vm?.hostname)),
            ("ipv4", .string(vm?.ipv4)),
            ("ipv6", .string(vm?.ipv6)),
            ("cockpit_url", .string(vm?.cockpitURL)),
            (
                "ssh",
                vm?.sshHost.map { host in .object([("host", .string(host)), ("port", .int(vm?.sshPort ?? 22))]) }
                    ?? .null
            ),
            ("backend_ref", .string(vm?.backendRef)),
            ("dns_aaaa_verified", .string(record.dnsAAAA.rawValue)),
            ("dns_aaaa_checked_at", .date(record.dnsCheckedAt)),
            ("ssh_smoke_status", .string(record.sshSmoke.rawValue)),
            ("ssh_smoke_checked_at", .date(record.sshCheckedAt)),
            ("dns_aaaa_detail", .string(record.dnsDetail)),
            ("ssh_smoke_detail", .string(record.sshDetail)),
            ("rollback_available", .bool(record.rollbackAvailable)),
            ("teardown_pending", .bool(record.teardownPending)),
            ("release_requested", .bool(record.releaseRequested)),
            ("failure_code", .string(record.failureCode)),
            ("customer_message", .string(record.customerMessage)),
            ("operator_message", .string(record.operatorMessage)),
            ("ssh_keys", .array(record.sshKeys.map { .string($0) })),
            ("open_ports", .array(record.openPorts.map { .int($0) })),
            ("metadata", .object(record.metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("created_at", .date(record.createdAt)),
            ("updated_at", .date(record.updatedAt)),
            ("provisioned_at", .date(record.provisionedAt)),
            ("released_at", .date(record.releasedAt)),
            ("host", .string(host?.id ?? record.hostID)),
            ("host_health", .string(host?.health.rawValue)),
            ("restored_from", .string(record.restoredFrom)),
        ]
        if let events {
            pairs.append(
                (
                    "events",
                    .array(
                        events.map { event in
                            .object([
                                ("at", .date(event.at)), ("kind", .string(event.kind)), ("actor", .string(event.actor)),
                                ("request_id", .string(event.requestID)), ("detail", .string(event.detail)),
                            ])
                        })
                ))
        }
        if let lifecycleEvents {
            pairs.append(("lifecycle_events", .array(lifecycleEvents.map(Self.lifecycle))))
        }
        return .object(pairs)
    }

    /// A lifecycle event as operators and the service see it.
    static func lifecycle(_ event: LifecycleEvent) -> JSONValue {
        .object([
            ("id", event.id.map { .int(Int($0)) } ?? .null), ("at", .date(event.at)), ("kind", .string(event.kind)),
            ("vm_id", .string(event.allocationID)), ("backend", .string(event.backend)),
            ("backend_ref", .string(event.backendRef)), ("detail", .string(event.detail)),
            ("host_id", .string(event.hostID)),
        ])
    }
}
