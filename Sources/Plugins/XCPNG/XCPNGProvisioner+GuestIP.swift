import Logging
import ProvisionerAPI

extension XCPNGProvisioner {
    /// Polls the VM's guest metrics until the agent reports an address on `device`.
    ///
    /// Guest metrics stay `OpaqueRef:NULL` until the agent first reports, and may be replaced
    /// (`HANDLE_INVALID`) while being read; both mean "not yet".
    ///
    /// - Throws: ``ProvisionerError`` `timeout` after `ip_wait_timeout_s`.
    func waitForAddresses(_ vm: String, device: String, logger: Logger) async throws -> GuestAddresses {
        let limit = Duration.milliseconds(Int64(configuration.ipWaitTimeoutSeconds * 1000))
        let deadline = ContinuousClock.now + limit
        while true {
            if let addresses = try await reportedAddresses(vm, device: device, logger: logger) {
                return addresses
            }
            guard ContinuousClock.now < deadline else {
                throw ProvisionerError.timeout(
                    "the guest agent reported no IP for NIC \(device) within \(configuration.ipWaitTimeoutSeconds)s "
                        + "(is xe-guest-utilities or xen-guest-agent installed in the template?)")
            }
            do {
                try await Task.sleep(for: min(pollInterval, deadline - ContinuousClock.now))
            } catch {
                throw ProvisionerError.timeout("cancelled while waiting for the guest IP")
            }
        }
    }

    private func reportedAddresses(_ vm: String, device: String, logger: Logger) async throws -> GuestAddresses? {
        let metrics = try await call(
            "VM.get_guest_metrics", [.string(vm)], context: "reading guest metrics", logger: logger
        ).stringValue
        guard let metrics, metrics != "OpaqueRef:NULL" else { return nil }
        do {
            let networks = try await session.call("VM_guest_metrics.get_networks", [.string(metrics)], logger: logger)
            return GuestAddresses(networks: networks.stringMap, device: device)
        } catch let error as XAPIError where error.isMissingObject {
            return nil
        } catch let error as XAPIError {
            throw error.provisionerError(context: "reading guest networks")
        }
    }
}
