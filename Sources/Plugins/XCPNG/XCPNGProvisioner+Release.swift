public import Logging
public import ProvisionerAPI

extension XCPNGProvisioner {
    /// Destroys the VM of an allocation and the disks it owns; a VM already gone is success.
    ///
    /// With an ``VmAllocation/attempt`` and no ``VmAllocation/backendRef`` (the teardown of a failed
    /// attempt) only that attempt's VMs go, and clones left untagged; otherwise every VM of the
    /// allocation. Safe to repeat after a failure or crash at any step: what is left stays findable.
    ///
    /// - Throws: ``ProvisionerError`` `backend_unavailable`, `timeout` or `backend_rejected`.
    public func release(_ allocation: VmAllocation, logger: Logger) async throws {
        var logger = logger
        logger[metadataKey: "allocation.id"] = "\(allocation.allocationID)"
        let log = logger
        try await serializer.run(allocation.allocationID) {
            let attempt = allocation.backendRef == nil ? allocation.attempt : nil
            let vms = try await findVMs(
                allocationID: allocation.allocationID, backendRef: allocation.backendRef, logger: log
            ).filter { belongs($0, toAttempt: attempt) }
            for vm in vms {
                if allocation.backendRef != nil, !vm.isTemplate {
                    // A delivered VM: kept for the grace period, or destroyed once it passed.
                    try await keepOrDestroy(vm, logger: log)
                } else if vm.otherConfig[Self.restoredFromKey] != nil, vm.otherConfig[Self.releasedAtKey] == nil {
                    // The teardown of a failed restore attempt: the customer's disks go back to
                    // the kept VM of the old allocation, never destroyed here.
                    try await giveBack(vm, logger: log)
                } else {
                    try await teardown(vm.ref, logger: log)
                }
            }
            try await destroyDetachedConfigDrives(
                allocationID: allocation.allocationID, attempt: attempt, logger: log)
            log.info("XCP-ng VM released", metadata: ["vm.count": "\(vms.count)"])
        }
    }

    /// Hard-shuts the VM down if needed, destroys the VDIs it owns and its VBDs, then the VM.
    ///
    /// Owned VDIs are those behind its `Disk` VBDs (never CD images) that are neither sharable nor
    /// read-only. Objects that vanish meanwhile (`HANDLE_INVALID`) are skipped.
    ///
    /// Each owned VDI goes *before* its VBD (XAPI.md lists the reverse, as TFX does). On a halted VM
    /// XAPI allows that and drops the VBD with the disk (xapi_vdi.ml `destroy`), and it keeps teardown
    /// restartable: a crash or failed call at any step leaves every remaining disk reachable from the
    /// VM record, so the next attempt finds it. Destroying the VBD first would leave a disk no VM points at any more, which
    /// nothing would ever find again (the kill test against `fake-xapi` caught exactly that).
    func teardown(_ vm: String, logger: Logger) async throws {
        let ref = XAPIValue.string(vm)
        let record: XAPIValue
        do {
            record = try await session.call("VM.get_record", [ref], logger: logger)
        } catch let error as XAPIError where error.isMissingObject {
            return
        } catch let error as XAPIError {
            throw error.provisionerError(context: "reading the VM to tear down")
        }
        let power = (record["power_state"].stringValue ?? "").lowercased()
        if ["running", "paused", "suspended"].contains(power) {
            try await tolerating(["VM_BAD_POWER_STATE"], context: "shutting the VM down", logger: logger) {
                _ = try await session.call("VM.hard_shutdown", [ref], logger: logger)
            }
        }
        var destroyedVDIs = 0
        for vbd in record["VBDs"].stringArray {
            let vbdRecord: XAPIValue
            do {
                vbdRecord = try await session.call("VBD.get_record", [.string(vbd)], logger: logger)
            } catch let error as XAPIError where error.isMissingObject {
                continue
            } catch let error as XAPIError {
                throw error.provisionerError(context: "reading a disk of the VM")
            }
            if vbdRecord["type"].stringValue == "Disk", let vdi = vbdRecord["VDI"].stringValue, vdi != "OpaqueRef:NULL",
                try await isOwned(vdi, logger: logger)
            {
                try await tolerating([], context: "destroying a disk", logger: logger) {
                    _ = try await session.call("VDI.destroy", [.string(vdi)], logger: logger)
                }
                destroyedVDIs += 1
            }
            try await tolerating([], context: "destroying a VBD", logger: logger) {
                _ = try await session.call("VBD.destroy", [.string(vbd)], logger: logger)
            }
        }
        try await tolerating([], context: "destroying the VM", logger: logger) {
            _ = try await session.call("VM.destroy", [ref], logger: logger)
        }
        logger.info("XCP-ng VM destroyed", metadata: ["vm.ref": "\(vm)", "vdi.count": "\(destroyedVDIs)"])
    }

    private func isOwned(_ vdi: String, logger: Logger) async throws -> Bool {
        do {
            let record = try await session.call("VDI.get_record", [.string(vdi)], logger: logger)
            return record["sharable"].boolValue != true && record["read_only"].boolValue != true
        } catch let error as XAPIError where error.isMissingObject {
            return false
        } catch let error as XAPIError {
            throw error.provisionerError(context: "reading a disk of the VM")
        }
    }

    /// Runs a teardown step; a vanished object (`HANDLE_INVALID`) or one of `codes` is not an error.
    private func tolerating(
        _ codes: Set<String>, context: String, logger: Logger, _ body: () async throws -> Void
    ) async throws {
        do {
            try await body()
        } catch let error as XAPIError where error.isMissingObject || codes.contains(error.code) {
            logger.debug("teardown step skipped", metadata: ["step": "\(context)", "xapi.error": "\(error)"])
        } catch let error as XAPIError {
            throw error.provisionerError(context: context)
        }
    }
}
