import Foundation
public import Logging
public import ProvisionerAPI

extension XCPNGProvisioner {
    /// Creates the VM of an allocation from the template, or returns the one already created for
    /// its id.
    ///
    /// Clone → tag → provision → size → NIC → xenstore keys → config drive (`guest_config:
    /// cloud_init`) → start (async task) → wait for the
    /// guest IP. Any failure after the clone destroys what was created (VM, VBDs, owned VDIs)
    /// before the error is thrown.
    ///
    /// - Throws: ``ProvisionerError``: `invalid_request` (empty id), `capacity_unavailable`
    ///   (`SR_FULL`, `NO_HOSTS_AVAILABLE`…), `backend_unavailable`, `backend_rejected`, `timeout`
    ///   (no guest IP within `ip_wait_timeout_s`).
    public func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
        guard !request.allocationID.isEmpty else {
            throw ProvisionerError.invalidRequest("The allocation id is empty.")
        }
        var logger = logger
        logger[metadataKey: "allocation.id"] = "\(request.allocationID)"
        let log = logger
        return try await serializer.run(request.allocationID) {
            if let origin = request.restoredFrom {
                return try await serializer.run(origin) { try await restore(request, from: origin, logger: log) }
            }
            // Only this attempt's VMs: another attempt's are its own to finish or roll back.
            let existing = try await findVMs(allocationID: request.allocationID, backendRef: nil, logger: log)
                .filter { belongs($0, toAttempt: request.attempt) }
            // Resume only a clone whose configuration finished; a crash mid-configure leaves one
            // without a NIC or xenstore data, which is torn down and made again.
            if let vm = existing.first(where: { !$0.isTemplate }), existing.count == 1,
                vm.otherConfig[Self.configuredKey] == "true"
            {
                return try await resume(vm, request: request, logger: log)
            }
            for leftover in existing { try await teardown(leftover.ref, logger: log) }
            try await destroyDetachedConfigDrives(
                allocationID: request.allocationID, attempt: request.attempt, logger: log)
            return try await create(request, logger: log)
        }
    }

    private func create(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
        let template = try await findTemplate(logger: logger)
        let network = try await resolve("network", configuration.network, logger: logger)
        let srUUID: String? =
            if let sr = configuration.sr {
                try await call(
                    "SR.get_uuid", [.string(try await resolve("SR", sr, logger: logger))], context: "reading the SR",
                    logger: logger
                ).stringValue
            } else { nil }
        let vm = try await limiter.withSlot {
            try await call(
                "VM.clone", [.string(template), .string(Self.vmName(for: request.allocationID))],
                context: "cloning template '\(configuration.template)'", logger: logger)
        }
        guard let vmRef = vm.stringValue else {
            throw ProvisionerError.backendUnavailable("VM.clone returned no VM ref")
        }
        logger.info("XCP-ng VM cloned", metadata: ["vm.ref": "\(vmRef)"])
        do {
            let device = try await configure(vmRef, request: request, network: network, srUUID: srUUID, logger: logger)
            try await start(vmRef, logger: logger)
            return try await finish(vmRef, device: device, request: request, logger: logger)
        } catch {
            logger.warning("XCP-ng allocate failed; tearing down", metadata: ["error": "\(error)"])
            do {
                try await teardown(vmRef, logger: logger)
            } catch let teardownError {
                logger.error(
                    "XCP-ng teardown after a failed allocate failed; the VM may be left behind",
                    metadata: ["vm.ref": "\(vmRef)", "error": "\(teardownError)"])
            }
            throw ProvisionerError.wrapping(error)
        }
    }

    /// Continues an allocation whose VM already exists: starts it if halted, then waits for its IP.
    private func resume(_ vm: XAPIVM, request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
        do {
            let device = vm.otherConfig[Self.vifDeviceKey] ?? "0"
            if vm.powerState.lowercased() == "halted" { try await start(vm.ref, logger: logger) }
            return try await finish(vm.ref, device: device, request: request, logger: logger)
        } catch {
            try? await teardown(vm.ref, logger: logger)
            throw ProvisionerError.wrapping(error)
        }
    }

    /// Tags, provisions, sizes and wires the clone; returns the device number of its new NIC.
    private func configure(
        _ vm: String, request: AllocationRequest, network: String, srUUID: String?, logger: Logger
    ) async throws -> String {
        let ref = XAPIValue.string(vm)
        var otherConfig = try await call("VM.get_other_config", [ref], context: "reading the clone", logger: logger)
            .stringMap
        otherConfig[Self.allocationKey] = request.allocationID
        otherConfig[Self.ownerKey] = configuration.ownerTag
        if let attempt = request.attempt { otherConfig[Self.attemptKey] = String(attempt) }
        otherConfig["provisioner.user_id"] = request.userID
        otherConfig["provisioner.plan"] = request.plan.name
        if let srUUID, let disks = otherConfig["disks"] {
            otherConfig["disks"] = disks.replacingOccurrences(of: "sr=\"\"", with: "sr=\"\(srUUID)\"")
        }
        _ = try await call("VM.set_other_config", [ref, .map(otherConfig)], context: "tagging the VM", logger: logger)
        _ = try await call("VM.provision", [ref], context: "VM.provision", logger: logger)
        _ = try await call("VM.set_name_description", [ref, ""], context: "describing the VM", logger: logger)
        try await size(vm, plan: request.plan, logger: logger)
        let devices = try await call("VM.get_allowed_VIF_devices", [ref], context: "choosing a NIC", logger: logger)
            .stringArray
        guard let device = devices.sorted(by: { (Int($0) ?? .max) < (Int($1) ?? .max) }).first else {
            throw ProvisionerError.backendRejected("the VM has no free NIC slot")
        }
        let vif: XAPIValue = [
            "device": .string(device), "network": .string(network), "VM": ref, "MAC": "", "MTU": 1500,
            "other_config": [:], "qos_algorithm_type": "", "qos_algorithm_params": [:],
        ]
        _ = try await call("VIF.create", [vif], context: "creating the NIC", logger: logger)
        _ = try await call(
            "VM.add_to_other_config", [ref, .string(Self.vifDeviceKey), .string(device)], context: "tagging the NIC",
            logger: logger)
        var xenstore = try await call("VM.get_xenstore_data", [ref], context: "reading xenstore data", logger: logger)
            .stringMap
        xenstore["vm-data/allocation-id"] = request.allocationID
        if let hostname = request.hostname { xenstore["vm-data/hostname"] = hostname }
        if !request.sshPublicKeys.isEmpty {
            xenstore["vm-data/ssh-keys"] = request.sshPublicKeys.joined(separator: "\n")
        }
        _ = try await call(
            "VM.set_xenstore_data", [ref, .map(xenstore)], context: "writing xenstore data", logger: logger)
        if configuration.guestConfig == .cloudInit { try await attachConfigDrive(vm, request: request, logger: logger) }
        _ = try await call(
            "VM.add_to_other_config", [ref, .string(Self.configuredKey), "true"], context: "marking the VM configured",
            logger: logger)
        return device
    }

    /// Applies the plan's VCPUs and memory; raises the VCPU maximum first when growing.
    private func size(_ vm: String, plan: PlanSpec, logger: Logger) async throws {
        let ref = XAPIValue.string(vm)
        let record = try await call("VM.get_record", [ref], context: "reading the VM", logger: logger)
        let vcpus = XAPIValue.int(Int64(plan.vcpus))
        let currentMax = record["VCPUs_max"].int64Value ?? 1
        if Int64(plan.vcpus) > currentMax {
            _ = try await call("VM.set_VCPUs_max", [ref, vcpus], context: "sizing VCPUs", logger: logger)
            _ = try await call("VM.set_VCPUs_at_startup", [ref, vcpus], context: "sizing VCPUs", logger: logger)
        } else {
            _ = try await call("VM.set_VCPUs_at_startup", [ref, vcpus], context: "sizing VCPUs", logger: logger)
            _ = try await call("VM.set_VCPUs_max", [ref, vcpus], context: "sizing VCPUs", logger: logger)
        }
        let bytes = Int64(plan.memoryMiB) * 1_048_576
        let staticMin = min(record["memory_static_min"].int64Value ?? bytes, bytes)
        _ = try await call(
            "VM.set_memory_limits", [ref, .int(staticMin), .int(bytes), .int(bytes), .int(bytes)],
            context: "sizing memory", logger: logger)
    }

    /// Starts the VM as an async task, within the task bound.
    func start(_ vm: String, logger: Logger) async throws {
        let timeout = Duration.milliseconds(Int64(configuration.taskTimeoutSeconds * 1000))
        try await limiter.withSlot {
            do {
                _ = try await session.runTask(
                    "VM.start", [.string(vm), false, false], pollInterval: pollInterval, timeout: timeout,
                    logger: logger)
            } catch let error as XAPIError {
                throw error.provisionerError(context: "starting the VM")
            }
        }
        logger.info("XCP-ng VM started", metadata: ["vm.ref": "\(vm)"])
    }

    /// Waits for the guest IP and builds the allocation.
    func finish(_ vm: String, device: String, request: AllocationRequest, logger: Logger) async throws
        -> VmAllocation
    {
        let addresses = try await waitForAddresses(vm, device: device, logger: logger)
        let uuid = try await call("VM.get_uuid", [.string(vm)], context: "reading the VM", logger: logger)
            .stringValue
        return VmAllocation(
            allocationID: request.allocationID, backend: Self.kind, backendRef: uuid, ipv4: addresses.ipv4,
            ipv6: addresses.ipv6, hostname: request.hostname, sshHost: addresses.ipv4 ?? addresses.ipv6, sshPort: 22,
            attributes: ["xcpng.vif_device": device], attempt: request.attempt)
    }
}
