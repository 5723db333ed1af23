import Foundation

/// A state shown as a labelled, coloured badge: `{label, tone, name}` for the templates.
enum StateBadge {
    /// The badge of an allocation state (`provisioned` → "Provisioned", tone `good`).
    static func allocation(_ state: LaunchProofStatus) -> [String: Any] {
        let tone =
            switch state {
            case .provisioned: "good"
            case .degraded, .paymentRequired: "warn"
            case .failed, .rolledBack: "bad"
            case .paid, .provisioning, .releasing: "busy"
            case .released: "quiet"
            }
        return ["label": label(state.rawValue), "tone": tone, "name": state.rawValue]
    }

    /// The badge of a pool VM state (`quarantined` → "Quarantined", tone `bad`).
    static func pool(_ state: String) -> [String: Any] {
        let tone =
            switch state {
            case "available": "good"
            case "assigned": "busy"
            case "cleaning", "maintenance": "warn"
            case "quarantined", "orphaned_from_pool": "bad"
            default: "quiet"
            }
        return ["label": label(state), "tone": tone, "name": state]
    }

    /// A badge with a fixed tone, for flags such as `teardown_pending`.
    static func flag(_ name: String, tone: String = "bad") -> [String: Any] {
        ["label": label(name), "tone": tone, "name": name]
    }

    /// `payment_required` → "Payment required".
    static func label(_ name: String) -> String {
        let words = name.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }
}

extension StateBadge {
    /// The badge of a payment status (`paid` → "Paid", tone `good`).
    static func payment(_ status: PaymentStatus) -> [String: Any] {
        let tone =
            switch status {
            case .paid, .notRequired: "good"
            case .paymentRequired: "warn"
            }
        return ["label": label(status.rawValue), "tone": tone, "name": status.rawValue]
    }
}

extension StateBadge {
    /// The badge of a host's health (`down` → "Down", tone `bad`).
    static func host(_ health: HostHealth) -> [String: Any] {
        let tone =
            switch health {
            case .ok: "good"
            case .stale: "warn"
            case .down: "bad"
            case .neverReported: "quiet"
            }
        return ["label": label(health.rawValue), "tone": tone, "name": health.rawValue]
    }

    /// The badge of an operator op's state (`pending_signature` → "Pending signature", tone `warn`).
    static func operatorOp(_ state: OperatorOp.State) -> [String: Any] {
        let tone =
            switch state {
            case .done: "good"
            case .pendingSignature: "warn"
            case .running: "busy"
            case .failed: "bad"
            }
        return ["label": label(state.rawValue), "tone": tone, "name": state.rawValue]
    }
}
