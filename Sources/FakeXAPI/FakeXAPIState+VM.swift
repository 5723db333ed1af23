import Foundation

extension FakeXAPIState {
    private func power(_ record: Record) -> String { record["power_state"]?.stringValue ?? "Halted" }

    /// `VM.clone(vm, new_name)`: copies the record (template flag included) and every disk (CoW).
    mutating func cloneVM(_ params: [FakeValue]) throws(FakeXAPIError) -> FakeValue {
        let source = try arg(params, 0, count: 2, "VM.clone")
        guard let name = params[1].stringValue else { throw FakeXAPIError("FIELD_TYPE_ERROR", ["new_name"]) }
        let original = try record("VM", source)
        guard power(original) == "Halted" else {
            throw .badPowerState(source, expected: "halted", actual: power(original))
        }
        var copy = original
        copy["uuid"] = nil
        copy["name_label"] = .string(name)
        copy["is_default_template"] = false
        copy["VBDs"] = []
        copy["VIFs"] = []
        copy["guest_metrics"] = "OpaqueRef:NULL"
        let clone = insert("VM", copy)
        for vbd in original["VBDs"]?.stringArray ?? [] {
            guard let disk = tables["VBD"]?[vbd], disk["type"]?.stringValue == "Disk",
                let vdi = disk["VDI"]?.stringValue, let source = tables["VDI"]?[vdi]
            else { continue }
            attachDisk(
                to: clone, sr: source["SR"]?.stringValue ?? "", size: source["virtual_size"]?.intValue ?? 0,
                name: source["name_label"]?.stringValue ?? "", userdevice: disk["userdevice"]?.stringValue ?? "0")
        }
        return .string(clone)
    }

    /// `VM.provision(vm)`: creates the disks `other_config["disks"]` asks for and clears the template flag.
    mutating func provisionVM(_ params: [FakeValue]) throws(FakeXAPIError) -> FakeValue {
        let vm = try arg(params, 0, count: 1, "VM.provision")
        let current = try record("VM", vm)
        guard power(current) == "Halted" else { throw .badPowerState(vm, expected: "halted", actual: power(current)) }
        let defaultSR = tables["pool"]?.values.first?["default_SR"]?.stringValue ?? ""
        for disk in Self.provisionDisks(current["other_config"]?.stringMap["disks"] ?? "") {
            var sr = defaultSR
            if let uuid = disk["sr"], !uuid.isEmpty {
                guard let ref = tables["SR"]?.first(where: { $0.value["uuid"]?.stringValue == uuid })?.key else {
                    throw FakeXAPIError("UUID_INVALID", ["SR", uuid])
                }
                sr = ref
            }
            let size = Int64(disk["size"] ?? "") ?? 0
            let srRecord = try record("SR", sr)
            let free = (srRecord["physical_size"]?.intValue ?? 0) - (srRecord["physical_utilisation"]?.intValue ?? 0)
            guard size <= free else { throw FakeXAPIError("SR_FULL", ["\(size)", "\(free)"]) }
            attachDisk(
                to: vm, sr: sr, size: size, name: "disk \(disk["device"] ?? "0")", userdevice: disk["device"] ?? "0",
                owner: true)
        }
        try update("VM", vm) { $0["is_a_template"] = false }
        return ""
    }

    /// The attributes of each `<disk …/>` in a provision spec.
    static func provisionDisks(_ spec: String) -> [[String: String]] {
        spec.components(separatedBy: "<disk").dropFirst().map { element in
            var attributes: [String: String] = [:]
            let body = element.prefix { $0 != ">" }
            for pair in body.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                attributes[String(parts[0])] = parts[1].trimmingCharacters(in: ["\"", "/"])
            }
            return attributes
        }
    }

    /// `VM.start`: Halted → Running (checks power state, then the template flag, then memory).
    mutating func startVM(_ vm: String, now: ContinuousClock.Instant) throws(FakeXAPIError) -> FakeValue {
        let current = try record("VM", vm)
        guard power(current) == "Halted" else { throw .badPowerState(vm, expected: "halted", actual: power(current)) }
        guard current["is_a_template"]?.boolValue != true else { throw FakeXAPIError("VM_IS_TEMPLATE", [vm, "start"]) }
        guard let host = tables["host"]?.keys.sorted().first else { throw FakeXAPIError("NO_HOSTS_AVAILABLE") }
        guard try freeMemory(host) >= current["memory_static_max"]?.intValue ?? 0 else {
            throw FakeXAPIError("NO_HOSTS_AVAILABLE")
        }
        if let metrics = current["guest_metrics"]?.stringValue { tables["VM_guest_metrics"]?[metrics] = nil }
        try update("VM", vm) { record in
            record["power_state"] = "Running"
            record["resident_on"] = .string(host)
            record["guest_metrics"] = "OpaqueRef:NULL"
        }
        let waitsForConfigDrive = current["other_config"]?.stringMap["cloud_image"] == "true" && !hasConfigDrive(vm)
        if let delay = options.guestMetricsDelay, !waitsForConfigDrive { metricsDue[vm] = now + delay }
        return ""
    }

    mutating func shutdownVM(_ vm: String) throws(FakeXAPIError) -> FakeValue {
        let current = try record("VM", vm)
        guard ["Running", "Paused", "Suspended"].contains(power(current)) else {
            throw .badPowerState(vm, expected: "paused, suspended, running", actual: power(current))
        }
        try update("VM", vm) { record in
            record["power_state"] = "Halted"
            record["resident_on"] = "OpaqueRef:NULL"
        }
        metricsDue[vm] = nil
        return ""
    }

    /// `VM.destroy`: removes the VM, its VBDs, VIFs and metrics, but not its VDIs (as XAPI does).
    mutating func destroyVM(_ vm: String) throws(FakeXAPIError) -> FakeValue {
        let current = try record("VM", vm)
        guard ["Halted", "Suspended"].contains(power(current)) else {
            throw .badPowerState(vm, expected: "halted, suspended", actual: power(current))
        }
        guard current["is_default_template"]?.boolValue != true else {
            throw FakeXAPIError("VM_CANNOT_DELETE_DEFAULT_TEMPLATE", [vm])
        }
        for vbd in current["VBDs"]?.stringArray ?? [] { _ = try? destroyDevice("VBD.destroy", [.string(vbd)]) }
        for vif in current["VIFs"]?.stringArray ?? [] { _ = try? destroyDevice("VIF.destroy", [.string(vif)]) }
        if let metrics = current["guest_metrics"]?.stringValue { tables["VM_guest_metrics"]?[metrics] = nil }
        tables["VM"]?[vm] = nil
        metricsDue[vm] = nil
        return ""
    }

    mutating func allowedVIFDevices(_ vm: String) throws(FakeXAPIError) -> FakeValue {
        let used = Set(
            (try record("VM", vm)["VIFs"]?.stringArray ?? []).compactMap { tables["VIF"]?[$0]?["device"]?.stringValue })
        return .array((0..<7).map(String.init).filter { !used.contains($0) }.map { .string($0) })
    }

    mutating func setMemoryLimits(_ params: [FakeValue]) throws(FakeXAPIError) -> FakeValue {
        let vm = try arg(params, 0, count: 5, "VM.set_memory_limits")
        let values = params.dropFirst().map { $0.intValue ?? -1 }
        guard values.allSatisfy({ $0 > 0 }) else { throw FakeXAPIError("FIELD_TYPE_ERROR", ["memory"]) }
        let (staticMin, staticMax, dynamicMin, dynamicMax) = (values[0], values[1], values[2], values[3])
        guard staticMin <= dynamicMin, dynamicMin <= dynamicMax, dynamicMax <= staticMax else {
            throw FakeXAPIError(
                "MEMORY_CONSTRAINT_VIOLATION", ["static_min <= dynamic_min <= dynamic_max <= static_max"])
        }
        try update("VM", vm) { record in
            record["memory_static_min"] = .int(staticMin)
            record["memory_static_max"] = .int(staticMax)
            record["memory_dynamic_min"] = .int(dynamicMin)
            record["memory_dynamic_max"] = .int(dynamicMax)
        }
        return ""
    }

    mutating func setVCPUs(_ method: String, _ params: [FakeValue]) throws(FakeXAPIError) -> FakeValue {
        let vm = try arg(params, 0, count: 2, method)
        guard let value = params[1].intValue, value > 0 else { throw FakeXAPIError("FIELD_TYPE_ERROR", ["value"]) }
        try update("VM", vm) { (record) throws(FakeXAPIError) in
            let isMax = method == "VM.set_VCPUs_max"
            let max = isMax ? value : record["VCPUs_max"]?.intValue ?? 1
            let startup = isMax ? record["VCPUs_at_startup"]?.intValue ?? 1 : value
            guard startup <= max else {
                throw FakeXAPIError("INVALID_VALUE", [isMax ? "VCPUs_max" : "VCPUs_at_startup", "\(value)"])
            }
            record[isMax ? "VCPUs_max" : "VCPUs_at_startup"] = .int(value)
        }
        return ""
    }

    mutating func createVIF(_ params: [FakeValue]) throws(FakeXAPIError) -> FakeValue {
        guard params.count == 1, let fields = params[0].objectValue else {
            throw FakeXAPIError("MESSAGE_PARAMETER_COUNT_MISMATCH", ["VIF.create", "2", "\(params.count + 1)"])
        }
        guard let vm = fields["VM"]?.stringValue, let network = fields["network"]?.stringValue,
            let device = fields["device"]?.stringValue
        else { throw FakeXAPIError("FIELD_TYPE_ERROR", ["VM, network, device"]) }
        _ = try record("network", network)
        guard try allowedVIFDevices(vm).stringArray.contains(device) else {
            throw FakeXAPIError("DEVICE_ALREADY_EXISTS", [device])
        }
        var vif = fields
        addressCounter += 1
        vif["MAC"] = .string(macAddress(addressCounter))
        vif["currently_attached"] = false
        let ref = insert("VIF", vif)
        try update("VM", vm) { $0["VIFs"] = .array(($0["VIFs"]?.arrayValue ?? []) + [.string(ref)]) }
        return .string(ref)
    }

    private func macAddress(_ counter: Int) -> String {
        let hex = String(counter, radix: 16)
        let padded = String(repeating: "0", count: max(0, 6 - hex.count)) + hex
        let bytes = stride(from: 0, to: 6, by: 2).map { offset -> String in
            let start = padded.index(padded.startIndex, offsetBy: offset)
            return String(padded[start..<padded.index(start, offsetBy: 2)])
        }
        return "aa:bb:cc:" + bytes.joined(separator: ":")
    }

    mutating func destroyDevice(_ method: String, _ params: [FakeValue]) throws(FakeXAPIError) -> FakeValue {
        let xapiClass = method.hasPrefix("VIF") ? "VIF" : "VBD"
        let ref = try arg(params, 0, count: 1, method)
        let device = try record(xapiClass, ref)
        let field = xapiClass + "s"
        if let vm = device["VM"]?.stringValue {
            try? update("VM", vm) {
                $0[field] = .array(($0[field]?.stringArray ?? []).filter { $0 != ref }.map { .string($0) })
            }
        }
        if xapiClass == "VBD", let vdi = device["VDI"]?.stringValue {
            try? update("VDI", vdi) {
                $0["VBDs"] = .array(($0["VBDs"]?.stringArray ?? []).filter { $0 != ref }.map { .string($0) })
            }
        }
        tables[xapiClass]?[ref] = nil
        return ""
    }

    /// `VDI.destroy`: refused while a running VM uses it.
    mutating func destroyVDI(_ vdi: String) throws(FakeXAPIError) -> FakeValue {
        let current = try record("VDI", vdi)
        for vbd in current["VBDs"]?.stringArray ?? [] {
            if let vm = tables["VBD"]?[vbd]?["VM"]?.stringValue,
                tables["VM"]?[vm]?["power_state"]?.stringValue == "Running"
            {
                throw FakeXAPIError("VDI_IN_USE", [vdi, "destroy"])
            }
        }
        for vbd in current["VBDs"]?.stringArray ?? [] { _ = try? destroyDevice("VBD.destroy", [.string(vbd)]) }
        if let sr = current["SR"]?.stringValue {
            try? update("SR", sr) { record in
                let size = current["virtual_size"]?.intValue ?? 0
                record["physical_utilisation"] = .int((record["physical_utilisation"]?.intValue ?? 0) - size)
                record["VDIs"] = .array((record["VDIs"]?.stringArray ?? []).filter { $0 != vdi }.map { .string($0) })
            }
        }
        tables["VDI"]?[vdi] = nil
        vdiContents[vdi] = nil
        return ""
    }

    /// Host memory minus what running VMs on it use.
    func freeMemory(_ host: String) throws(FakeXAPIError) -> Int64 {
        let total = try record("host", host)["memory_total"]?.intValue ?? 0
        let used = (tables["VM"] ?? [:]).values.filter {
            $0["resident_on"]?.stringValue == host && $0["power_state"]?.stringValue == "Running"
                && $0["is_control_domain"]?.boolValue != true
        }.reduce(Int64(0)) { $0 + ($1["memory_static_max"]?.intValue ?? 0) }
        return total - used
    }
}
