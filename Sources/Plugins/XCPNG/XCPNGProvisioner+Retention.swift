import Foundation
public import Logging
public import ProvisionerAPI

extension XCPNGProvisioner: ReleaseRetaining {
    /// `other_config` key: when a release kept the VM (`on_release: halt_then_destroy`), RFC 3339.
    public static let releasedAtKey = "provisioner.released_at"
    /// `other_config` key: the released allocation a restore adopted the VM from.
    static let restoredFromKey = "provisioner.restored_from"
    /// `other_config` key: the `released_at` the VM had before a restore adopted it.
    static let restoredReleasedAtKey = "provisioner.restored_released_at"

    /// The grace of `halt_then_destroy`; `nil` in `destroy` mode.
    var graceSeconds: Double? {
        if case .haltThenDestroy(let grace) = configuration.onRelease { return grace }
        return nil
    }

    /// Every VM kept by a release, with when its grace ends (at once for a VM kept before the mode
    /// was changed to `destroy`).
    ///
    /// - Throws: ``ProvisionerError`` `backend_unavailable` or `timeout`.
    public func retainedReleases(logger: Logger) async throws -> [RetainedRelease] {
        let records =
            try await call("VM.get_all_records", context: "listing kept VMs", logger: logger).objectValue ?? [:]
        return records.values.compactMap { record -> RetainedRelease? in
            let tags = record["other_config"].stringMap
            guard tags[Self.ownerKey] == configuration.ownerTag, let id = tags[Self.allocationKey],
                let releasedAt = tags[Self.releasedAtKey].flatMap(Self.parseTime)
            else { return nil }
            return RetainedRelease(
                allocationID: id, backendRef: record["uuid"].stringValue ?? "", releasedAt: releasedAt,
                destroyAfter: releasedAt.addingTimeInterval(graceSeconds ?? 0))
        }.sorted { $0.allocationID < $1.allocationID }
    }

    /// Releases one delivered VM under `halt_then_destroy`: shuts it down, then tags it with the
    /// time (in that order, so a crash between the two leaves no running VM that looks kept); a
    /// VM already kept stays so, halted, until its grace passed, then it is destroyed.
    func keepOrDestroy(_ vm: XAPIVM, logger: Logger) async throws {
        let ref = XAPIValue.string(vm.ref)
        if let releasedAt = vm.otherConfig[Self.releasedAtKey].flatMap(Self.parseTime) {
            if Date() >= releasedAt.addingTimeInterval(graceSeconds ?? 0) {
                logger.info("XCP-ng kept VM's grace passed; destroying it", metadata: ["vm.ref": "\(vm.ref)"])
                try await teardown(vm.ref, logger: logger)
            } else {
                try await shutDownIfRunning(vm, logger: logger)
            }
            return
        }
        guard graceSeconds != nil else { return try await teardown(vm.ref, logger: logger) }
        try await shutDownIfRunning(vm, logger: logger)
        _ = try await call(
            "VM.remove_from_other_config", [ref, .string(Self.releasedAtKey)], context: "tagging the kept VM",
            logger: logger)
        _ = try await call(
            "VM.add_to_other_config", [ref, .string(Self.releasedAtKey), .string(Self.formatTime(Date()))],
            context: "tagging the kept VM", logger: logger)
        logger.info(
            "XCP-ng VM halted and kept for its grace period",
            metadata: ["vm.ref": "\(vm.ref)", "grace_s": "\(graceSeconds ?? 0)"])
    }

    func shutDownIfRunning(_ vm: XAPIVM, logger: Logger) async throws {
        let power = try await call("VM.get_power_state", [.string(vm.ref)], context: "reading the VM", logger: logger)
        guard ["running", "paused", "suspended"].contains((power.stringValue ?? "").lowercased()) else { return }
        do {
            _ = try await session.call("VM.shutdown", [.string(vm.ref)], logger: logger)
        } catch let error as XAPIError where error.code == "VM_BAD_POWER_STATE" {
            // halted meanwhile
        } catch let error as XAPIError {
            throw error.provisionerError(context: "shutting the released VM down")
        }
    }

    /// Puts a VM a failed restore adopted back where it was: halted, named and tagged as the kept
    /// VM of the allocation it came from, with its original release time.
    func giveBack(_ vm: XAPIVM, logger: Logger) async throws {
        guard let origin = vm.otherConfig[Self.restoredFromKey] else {
            return try await teardown(vm.ref, logger: logger)
        }
        try await shutDownIfRunning(vm, logger: logger)
        var tags = vm.otherConfig
        tags[Self.allocationKey] = origin
        tags[Self.releasedAtKey] = tags[Self.restoredReleasedAtKey] ?? Self.formatTime(Date())
        for key in [Self.restoredFromKey, Self.restoredReleasedAtKey, Self.attemptKey] { tags[key] = nil }
        let ref = XAPIValue.string(vm.ref)
        _ = try await call("VM.set_other_config", [ref, .map(tags)], context: "giving the VM back", logger: logger)
        _ = try await call(
            "VM.set_name_label", [ref, .string(Self.vmName(for: origin))], context: "giving the VM back",
            logger: logger)
        logger.warning(
            "XCP-ng restore failed; the VM is kept again for its old allocation", metadata: ["vm.ref": "\(vm.ref)"])
    }

    static func formatTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
