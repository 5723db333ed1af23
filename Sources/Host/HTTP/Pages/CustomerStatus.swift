import ProvisionerAPI

/// How the customer dashboard names a service's state: plain words, never the internal state.
enum CustomerStatus {
    /// A short label and its badge tone.
    static func badge(_ state: LaunchProofStatus) -> (label: String, tone: String) {
        switch state {
        case .provisioned: ("Ready", "good")
        case .degraded: ("Needs attention", "warn")
        case .paymentRequired: ("Awaiting payment", "warn")
        case .paid, .provisioning: ("Setting up", "busy")
        case .releasing, .released: ("Ending", "quiet")
        case .failed, .rolledBack: ("Not set up", "bad")
        }
    }

    /// `ssh HOST` (with `-p PORT` when not 22) for a delivered VM with an SSH address.
    static func sshCommand(_ vm: VmAllocation?) -> String? {
        guard let host = vm?.sshHost, !host.isEmpty else { return nil }
        let port = vm?.sshPort ?? 22
        return port == 22 ? "ssh \(host)" : "ssh -p \(port) \(host)"
    }
}
