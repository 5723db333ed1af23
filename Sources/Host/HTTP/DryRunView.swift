import Hummingbird
import ProvisionerAPI

/// The answer to `POST /v1/vm?dry_run=true`: what the order would get, nothing written.
enum DryRunView {
    /// Whether the request asks for a dry run: `dry_run=true`; `false` or absent is a real order.
    ///
    /// - Throws: `invalid_request` for any other value.
    static func isRequested(_ request: Request) throws -> Bool {
        guard let value = request.uri.queryParameters.get("dry_run") else { return false }
        switch value {
        case "true": return true
        case "false": return false
        default:
            throw ProvisionerError.invalidRequest("Query parameter 'dry_run' must be true or false; got '\(value)'.")
        }
    }

    /// The preview as JSON.
    static func json(_ preview: OrderPreview) -> JSONValue {
        let refusal = preview.refusal.map { error -> JSONValue in
            let api = APIError(error)
            return .object([
                ("status", .int(Int(api.status.code))), ("code", .string(api.code.rawValue)),
                ("message", .string(api.message)), ("retryable", .bool(api.retryable)),
                ("agent_action", .string(api.agentAction)),
            ])
        }
        let capacity = preview.capacity
        return .object([
            ("dry_run", .bool(true)),
            ("user_id", .string(preview.order.userID)),
            ("plan", .string(preview.plan.name)),
            ("backend", .string(preview.backend)),
            ("is_demo", .bool(preview.isDemo)),
            ("price_cents", .int(preview.plan.priceCents)),
            ("payment_required", .bool(preview.plan.requiresPayment)),
            ("would_be_accepted", .bool(preview.wouldBeAccepted)),
            ("replay_of", .string(preview.replayOf)),
            ("refusal", refusal ?? .null),
            (
                "admission",
                .object([
                    (
                        "capacity",
                        .object([
                            ("reported", .bool(capacity.reported)),
                            ("has_room", capacity.hasRoom.map { .bool($0) } ?? .null),
                            ("plan_slots", .int(capacity.slots?.plan)),
                            ("total_slots", .int(capacity.slots?.total)),
                            ("occupied_for_plan", .int(capacity.occupiedForPlan)),
                            ("occupied_in_all", .int(capacity.occupiedInAll)),
                        ])
                    ),
                    (
                        "quota",
                        .object([
                            ("applies", .bool(preview.quota.applies)),
                            ("limit", .int(preview.quota.limit)),
                            ("active_paid", .int(preview.quota.activePaid)),
                        ])
                    ),
                    (
                        "blocked_ports",
                        .object([
                            ("requested", .array(preview.order.openPorts.map { .int($0) })),
                            ("blocked", .array(preview.blockedPorts.map { .int($0) })),
                        ])
                    ),
                ])
            ),
            ("offered_vm", preview.offeredVM.map(offered) ?? .null),
        ])
    }

    private static func offered(_ vm: VmAllocation) -> JSONValue {
        .object([
            ("vm_id", .string(vm.backendRef)),
            ("name", .string(vm.hostname)),
            ("ipv4", .string(vm.ipv4)),
            ("ipv6", .string(vm.ipv6)),
            ("cockpit_url", .string(vm.cockpitURL)),
            (
                "ssh",
                vm.sshHost.map { host in .object([("host", .string(host)), ("port", .int(vm.sshPort ?? 22))]) } ?? .null
            ),
        ])
    }
}
