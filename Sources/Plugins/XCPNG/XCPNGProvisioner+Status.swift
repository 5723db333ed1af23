public import Logging
public import ProvisionerAPI

extension XCPNGProvisioner {
    /// The VM's state from its power state and guest metrics: `running` once the agent reported,
    /// `starting` while it has not, `stopped` when halted/paused/suspended, `gone` when absent.
    ///
    /// - Throws: ``ProvisionerError`` `backend_unavailable` or `timeout`.
    public func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus {
        let vms = try await findVMs(
            allocationID: allocation.allocationID, backendRef: allocation.backendRef, logger: logger)
        guard let vm = vms.first(where: { !$0.isTemplate }) else {
            return VmStatus(powerState: vms.isEmpty ? .gone : .starting, operatorDetail: vms.isEmpty ? nil : "clone")
        }
        let power = vm.powerState
        let metrics = vm.record["guest_metrics"].stringValue ?? "OpaqueRef:NULL"
        let detail = "power_state \(power), guest metrics \(metrics == "OpaqueRef:NULL" ? "not reported" : "reported")"
        switch power.lowercased() {
        case "running":
            return VmStatus(powerState: metrics == "OpaqueRef:NULL" ? .starting : .running, operatorDetail: detail)
        case "halted", "paused", "suspended": return VmStatus(powerState: .stopped, operatorDetail: detail)
        default: return VmStatus(powerState: .unknown, operatorDetail: detail)
        }
    }
}
