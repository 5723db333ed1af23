import Foundation
import Logging
import ProvisionerAPI

extension XCPNGProvisioner {
    /// Adopts the VM kept for `request.restoredFrom`: retags and renames it for the new
    /// allocation, starts it and waits for its IP. A failure puts it back as it was (kept for the
    /// old allocation, same release time) instead of destroying the customer's disks.
    ///
    /// Safe to repeat: a VM already adopted by this allocation is resumed. Both the old and the new
    /// name are searched, so a crash between the retag and the rename loses nothing.
    ///
    /// - Throws: `backend_rejected` when nothing is kept for that allocation or its grace passed.
    func restore(_ request: AllocationRequest, from origin: String, logger: Logger) async throws -> VmAllocation {
        let candidates = try await vmsNamed(
            [Self.vmName(for: request.allocationID), Self.vmName(for: origin)], logger: logger)
        let adopted = candidates.first {
            $0.otherConfig[Self.allocationKey] == request.allocationID && $0.otherConfig[Self.restoredFromKey] == origin
        }
        var vm: XAPIVM
        if let adopted {
            vm = adopted
        } else {
            guard
                let kept = candidates.first(where: {
                    $0.otherConfig[Self.allocationKey] == origin && $0.otherConfig[Self.releasedAtKey] != nil
                }), let releasedAt = kept.otherConfig[Self.releasedAtKey].flatMap(Self.parseTime)
            else {
                throw ProvisionerError.backendRejected(
                    "no VM is kept for allocation \(origin) (destroyed, or never kept)")
            }
            guard let grace = graceSeconds, Date() < releasedAt.addingTimeInterval(grace) else {
                throw ProvisionerError.backendRejected("the grace period of allocation \(origin) has passed")
            }
            var tags = kept.otherConfig
            tags[Self.allocationKey] = request.allocationID
            tags[Self.restoredFromKey] = origin
            tags[Self.restoredReleasedAtKey] = tags[Self.releasedAtKey]
            tags[Self.releasedAtKey] = nil
            tags["provisioner.user_id"] = request.userID
            if let attempt = request.attempt {
                tags[Self.attemptKey] = String(attempt)
            } else {
                tags[Self.attemptKey] = nil
            }
            let ref = XAPIValue.string(kept.ref)
            _ = try await call(
                "VM.set_other_config", [ref, .map(tags)], context: "adopting the kept VM", logger: logger)
            _ = try await call(
                "VM.set_name_label", [ref, .string(Self.vmName(for: request.allocationID))],
                context: "adopting the kept VM", logger: logger)
            var fields = kept.record.objectValue ?? [:]
            fields["other_config"] = .map(tags)
            vm = XAPIVM(ref: kept.ref, record: .object(fields))
            logger.info(
                "XCP-ng kept VM adopted by a restore",
                metadata: ["vm.ref": "\(kept.ref)", "restored_from": "\(origin)"])
        }
        do {
            let device = vm.otherConfig[Self.vifDeviceKey] ?? "0"
            let power = try await call(
                "VM.get_power_state", [.string(vm.ref)], context: "reading the VM", logger: logger)
            if (power.stringValue ?? "").lowercased() == "halted" { try await start(vm.ref, logger: logger) }
            var allocation = try await finish(vm.ref, device: device, request: request, logger: logger)
            allocation.attributes["xcpng.restored_from"] = origin
            return allocation
        } catch {
            do {
                try await giveBack(vm, logger: logger)
            } catch let giveBackError {
                logger.error(
                    "XCP-ng could not give a VM back after a failed restore",
                    metadata: ["vm.ref": "\(vm.ref)", "error": "\(giveBackError)"])
            }
            throw ProvisionerError.wrapping(error)
        }
    }

    /// The VMs (not templates) with any of these name labels, with their records.
    private func vmsNamed(_ names: [String], logger: Logger) async throws -> [XAPIVM] {
        var refs = Set<String>()
        for name in names {
            refs.formUnion(
                try await call(
                    "VM.get_by_name_label", [.string(name)], context: "looking up the kept VM", logger: logger
                )
                .stringArray)
        }
        var found: [XAPIVM] = []
        for ref in refs.sorted() {
            do {
                let record = try await session.call("VM.get_record", [.string(ref)], logger: logger)
                let vm = XAPIVM(ref: ref, record: record)
                if !vm.isTemplate, vm.otherConfig[Self.ownerKey] == configuration.ownerTag { found.append(vm) }
            } catch let error as XAPIError where error.isMissingObject {
                continue
            } catch let error as XAPIError {
                throw error.provisionerError(context: "looking up the kept VM")
            }
        }
        return found
    }
}
