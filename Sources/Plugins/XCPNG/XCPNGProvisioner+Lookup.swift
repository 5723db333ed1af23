import Logging
import ProvisionerAPI

/// One VM as XAPI describes it: its ref and record.
struct XAPIVM: Sendable {
    var ref: String
    var record: XAPIValue

    var uuid: String { record["uuid"].stringValue ?? "" }
    var otherConfig: [String: String] { record["other_config"].stringMap }
    var powerState: String { record["power_state"].stringValue ?? "" }
    var isTemplate: Bool { record["is_a_template"].boolValue ?? false }
}

extension XCPNGProvisioner {
    static func looksLikeUUID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.map(\.count) == [8, 4, 4, 4, 12] && text.allSatisfy { $0 == "-" || $0.isHexDigit }
    }

    /// The ref of a `network` or `SR` named by UUID or name label.
    ///
    /// - Throws: `backend_rejected` when none exists (a config problem).
    func resolve(_ xapiClass: String, _ nameOrUUID: String, logger: Logger) async throws -> String {
        let context = "looking up \(xapiClass) '\(nameOrUUID)'"
        if Self.looksLikeUUID(nameOrUUID) {
            do {
                if let ref = try await session.call("\(xapiClass).get_by_uuid", [.string(nameOrUUID)], logger: logger)
                    .stringValue
                {
                    return ref
                }
            } catch let error as XAPIError where error.isMissingObject {
                // fall through to the name-label lookup
            } catch let error as XAPIError {
                throw error.provisionerError(context: context)
            }
        }
        let refs = try await call(
            "\(xapiClass).get_by_name_label", [.string(nameOrUUID)], context: context, logger: logger
        )
        .stringArray
        guard let ref = refs.sorted().first else {
            throw ProvisionerError.backendRejected("\(xapiClass) '\(nameOrUUID)' does not exist in the pool")
        }
        return ref
    }

    /// The configured template: a real template (not a snapshot, not dom0) with that UUID or name label.
    func findTemplate(logger: Logger) async throws -> String {
        let wanted = configuration.template
        let context = "looking up template '\(wanted)'"
        var refs: [String] = []
        if Self.looksLikeUUID(wanted) {
            do {
                refs =
                    try await session.call("VM.get_by_uuid", [.string(wanted)], logger: logger).stringValue.map { [$0] }
                    ?? []
            } catch let error as XAPIError where error.isMissingObject {
                refs = []
            } catch let error as XAPIError {
                throw error.provisionerError(context: context)
            }
        }
        if refs.isEmpty {
            refs = try await call("VM.get_by_name_label", [.string(wanted)], context: context, logger: logger)
                .stringArray
        }
        for ref in refs.sorted() {
            let record = try await call("VM.get_record", [.string(ref)], context: context, logger: logger)
            let isTemplate =
                record["is_a_template"].boolValue == true && record["is_a_snapshot"].boolValue != true
                && record["is_control_domain"].boolValue != true
            if isTemplate { return ref }
        }
        throw ProvisionerError.backendRejected("no template named '\(wanted)' (snapshots and VMs are not templates)")
    }

    /// Every VM of an allocation: tagged with its id and our owner marker, or an untagged clone
    /// with its name left behind by an allocate that stopped between clone and tagging. Found by
    /// name label and by ``VmAllocation/backendRef``.
    func findVMs(allocationID: String, backendRef: String?, logger: Logger) async throws -> [XAPIVM] {
        let context = "looking up the VM of allocation \(allocationID)"
        var refs = Set(
            try await call(
                "VM.get_by_name_label", [.string(Self.vmName(for: allocationID))], context: context, logger: logger
            ).stringArray)
        if let backendRef, Self.looksLikeUUID(backendRef) {
            do {
                if let ref = try await session.call("VM.get_by_uuid", [.string(backendRef)], logger: logger).stringValue
                {
                    refs.insert(ref)
                }
            } catch let error as XAPIError where error.isMissingObject {
                // already gone
            } catch let error as XAPIError {
                throw error.provisionerError(context: context)
            }
        }
        var found: [XAPIVM] = []
        for ref in refs.sorted() {
            let record: XAPIValue
            do {
                record = try await session.call("VM.get_record", [.string(ref)], logger: logger)
            } catch let error as XAPIError where error.isMissingObject {
                continue  // destroyed meanwhile
            } catch let error as XAPIError {
                throw error.provisionerError(context: context)
            }
            let vm = XAPIVM(ref: ref, record: record)
            if isOurs(vm, allocationID: allocationID) { found.append(vm) }
        }
        return found
    }

    /// Whether `vm` (one of the allocation's) belongs to `attempt`: tagged with it, or carrying no
    /// attempt tag (a clone left untagged, or a VM made before attempts were tagged). `nil` matches
    /// every VM.
    func belongs(_ vm: XAPIVM, toAttempt attempt: Int?) -> Bool {
        guard let attempt, let tag = vm.otherConfig[Self.attemptKey] else { return true }
        return tag == String(attempt)
    }

    private func isOurs(_ vm: XAPIVM, allocationID: String) -> Bool {
        let tags = vm.otherConfig
        if tags[Self.allocationKey] == allocationID, tags[Self.ownerKey] == configuration.ownerTag { return true }
        let untaggedClone =
            tags[Self.allocationKey] == nil && vm.isTemplate
            && vm.record["name_label"].stringValue == Self.vmName(for: allocationID)
        return untaggedClone
    }
}
