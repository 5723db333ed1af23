import Foundation
import Logging
import ProvisionerAPI

extension XCPNGProvisioner {
    /// The `other_config` key marking the config drive's VDI.
    static let configDriveKey = "provisioner.config_drive"

    /// Creates the NoCloud config drive of `request` in the configured SR (else the pool
    /// default), attaches it to the halted VM, then uploads the image into it.
    ///
    /// The VBD is made right after the VDI, before the upload, so a crash at any later step
    /// leaves a disk the VM record points at: teardown finds and destroys it with the VM. It stays
    /// attached for the VM's life (cloud-init reads it at every boot to compare the instance id),
    /// and goes only when the VM is destroyed.
    func attachConfigDrive(_ vm: String, request: AllocationRequest, logger: Logger) async throws {
        let drive = CloudInitConfigDrive(
            instanceID: request.allocationID, hostname: request.hostname ?? Self.vmName(for: request.allocationID),
            sshKeys: request.sshPublicKeys, extraUserData: configuration.cloudInitUserData)
        let image = drive.image()
        let sr = try await configDriveSR(logger: logger)
        var tags = [
            Self.allocationKey: request.allocationID, Self.ownerKey: configuration.ownerTag,
            Self.configDriveKey: "true",
        ]
        if let attempt = request.attempt { tags[Self.attemptKey] = String(attempt) }
        let vdiFields: XAPIValue = [
            "name_label": .string(CloudInitConfigDrive.label),
            "name_description": .string("cloud-init config drive of allocation \(request.allocationID)"),
            "SR": .string(sr), "virtual_size": .int(Int64(image.count)), "type": "user", "sharable": false,
            "read_only": false,
            "other_config": .map(tags),
        ]
        guard
            let vdi = try await call("VDI.create", [vdiFields], context: "creating the config drive", logger: logger)
                .stringValue
        else { throw ProvisionerError.backendUnavailable("VDI.create returned no VDI ref") }
        let devices = try await call(
            "VM.get_allowed_VBD_devices", [.string(vm)], context: "choosing the config drive slot", logger: logger
        ).stringArray
        guard let device = devices.sorted(by: { (Int($0) ?? .max) < (Int($1) ?? .max) }).first else {
            throw ProvisionerError.backendRejected("the VM has no free disk slot for the config drive")
        }
        let vbdFields: XAPIValue = [
            "VM": .string(vm), "VDI": .string(vdi), "userdevice": .string(device), "bootable": false, "mode": "RO",
            "type": "Disk", "empty": false, "other_config": [:], "qos_algorithm_type": "",
            "qos_algorithm_params": [:], "unpluggable": true,
        ]
        _ = try await call("VBD.create", [vbdFields], context: "attaching the config drive", logger: logger)
        do {
            try await session.importRawVDI(vdi, bytes: image, logger: logger)
        } catch let error as XAPIError {
            throw error.provisionerError(context: "uploading the config drive")
        }
        logger.info("cloud-init config drive attached", metadata: ["vdi.ref": "\(vdi)", "bytes": "\(image.count)"])
    }

    /// Destroys the config drives of an allocation (of `attempt` only, when given) that no VM has
    /// attached: left by a crash between `VDI.create` and `VBD.create`, they are found by their tags.
    func destroyDetachedConfigDrives(allocationID: String, attempt: Int?, logger: Logger) async throws {
        let refs = try await call(
            "VDI.get_by_name_label", [.string(CloudInitConfigDrive.label)], context: "looking up config drives",
            logger: logger
        ).stringArray
        for vdi in refs.sorted() {
            let record: XAPIValue
            do {
                record = try await session.call("VDI.get_record", [.string(vdi)], logger: logger)
            } catch let error as XAPIError where error.isMissingObject {
                continue
            } catch let error as XAPIError {
                throw error.provisionerError(context: "reading a config drive")
            }
            let tags = record["other_config"].stringMap
            guard tags[Self.configDriveKey] == "true", tags[Self.allocationKey] == allocationID,
                tags[Self.ownerKey] == configuration.ownerTag, record["VBDs"].stringArray.isEmpty
            else { continue }
            if let attempt, let tag = tags[Self.attemptKey], tag != String(attempt) { continue }
            do {
                _ = try await session.call("VDI.destroy", [.string(vdi)], logger: logger)
                logger.info("XCP-ng detached config drive destroyed", metadata: ["vdi.ref": "\(vdi)"])
            } catch let error as XAPIError where error.isMissingObject {
                continue
            } catch let error as XAPIError {
                throw error.provisionerError(context: "destroying a detached config drive")
            }
        }
    }

    private func configDriveSR(logger: Logger) async throws -> String {
        if let sr = configuration.sr { return try await resolve("SR", sr, logger: logger) }
        guard
            let pool = try await call("pool.get_all", context: "reading the pool", logger: logger).stringArray.first,
            let sr = try await call(
                "pool.get_default_SR", [.string(pool)], context: "reading the pool", logger: logger
            ).stringValue, sr != "OpaqueRef:NULL"
        else {
            throw ProvisionerError.backendRejected(
                "no sr is configured and the pool has no default SR for the config drive")
        }
        return sr
    }
}
