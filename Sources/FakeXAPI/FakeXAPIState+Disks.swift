extension FakeXAPIState {
    /// The name label a config drive's VDI carries.
    static let configDriveLabel = "cidata"

    /// `VDI.create(record)`: a new empty VDI on an SR with room for it.
    mutating func createVDI(_ params: [FakeValue]) throws(FakeXAPIError) -> FakeValue {
        guard params.count == 1, let fields = params[0].objectValue else {
            throw FakeXAPIError("MESSAGE_PARAMETER_COUNT_MISMATCH", ["VDI.create", "2", "\(params.count + 1)"])
        }
        guard let sr = fields["SR"]?.stringValue, let size = fields["virtual_size"]?.intValue, size > 0 else {
            throw FakeXAPIError("FIELD_TYPE_ERROR", ["SR, virtual_size"])
        }
        let srRecord = try record("SR", sr)
        let free = (srRecord["physical_size"]?.intValue ?? 0) - (srRecord["physical_utilisation"]?.intValue ?? 0)
        guard size <= free else { throw FakeXAPIError("SR_FULL", ["\(size)", "\(free)"]) }
        var vdi: Record = [
            "name_label": "", "name_description": "", "SR": .string(sr), "virtual_size": .int(size), "type": "user",
            "sharable": false, "read_only": false, "VBDs": [], "other_config": [:],
        ]
        for key in ["name_label", "name_description", "type", "sharable", "read_only", "other_config"] {
            if let value = fields[key] { vdi[key] = value }
        }
        let ref = insert("VDI", vdi)
        try update("SR", sr) { record in
            record["physical_utilisation"] = .int((record["physical_utilisation"]?.intValue ?? 0) + size)
            record["VDIs"] = .array((record["VDIs"]?.arrayValue ?? []) + [.string(ref)])
        }
        return .string(ref)
    }

    /// `VBD.create(record)`: attaches a VDI (or an empty CD) to a halted VM at a free device.
    mutating func createVBD(_ params: [FakeValue]) throws(FakeXAPIError) -> FakeValue {
        guard params.count == 1, let fields = params[0].objectValue else {
            throw FakeXAPIError("MESSAGE_PARAMETER_COUNT_MISMATCH", ["VBD.create", "2", "\(params.count + 1)"])
        }
        guard let vm = fields["VM"]?.stringValue, let device = fields["userdevice"]?.stringValue,
            let type = fields["type"]?.stringValue, ["Disk", "CD"].contains(type)
        else { throw FakeXAPIError("FIELD_TYPE_ERROR", ["VM, userdevice, type"]) }
        _ = try record("VM", vm)
        let vdi = fields["VDI"]?.stringValue ?? "OpaqueRef:NULL"
        if vdi != "OpaqueRef:NULL" { _ = try record("VDI", vdi) }
        guard try allowedVBDDevices(vm).stringArray.contains(device) else {
            throw FakeXAPIError("DEVICE_ALREADY_EXISTS", [device])
        }
        var vbd: Record = [
            "VM": .string(vm), "VDI": .string(vdi), "userdevice": .string(device), "bootable": false, "mode": "RW",
            "type": .string(type), "empty": .bool(vdi == "OpaqueRef:NULL"), "currently_attached": false,
            "other_config": [:],
        ]
        for key in ["bootable", "mode", "other_config", "unpluggable"] {
            if let value = fields[key] { vbd[key] = value }
        }
        let ref = insert("VBD", vbd)
        if vdi != "OpaqueRef:NULL" {
            try update("VDI", vdi) { $0["VBDs"] = .array(($0["VBDs"]?.arrayValue ?? []) + [.string(ref)]) }
        }
        try update("VM", vm) { $0["VBDs"] = .array(($0["VBDs"]?.arrayValue ?? []) + [.string(ref)]) }
        return .string(ref)
    }

    /// Device numbers 0...15 no VBD of `vm` uses.
    func allowedVBDDevices(_ vm: String) throws(FakeXAPIError) -> FakeValue {
        let used = Set(
            (try record("VM", vm)["VBDs"]?.stringArray ?? []).compactMap {
                tables["VBD"]?[$0]?["userdevice"]?.stringValue
            })
        return .array((0..<16).map(String.init).filter { !used.contains($0) }.map { .string($0) })
    }

    /// `PUT /import_raw_vdi`: stores `bytes` as the VDI's contents (at most its virtual size).
    mutating func importRawVDI(session: String, vdi: String, bytes: [UInt8]) throws(FakeXAPIError) {
        guard sessions[session] != nil else { throw FakeXAPIError("SESSION_INVALID", [session]) }
        let current = try record("VDI", vdi)
        guard Int64(bytes.count) <= current["virtual_size"]?.intValue ?? 0 else {
            throw FakeXAPIError("VDI_TOO_SMALL", [vdi, "\(bytes.count)"])
        }
        vdiContents[vdi] = bytes
        uploads += 1
    }

    /// Whether `vm` has a `cidata` disk whose image was uploaded: a cloud image's guest agent
    /// (cloud-init) reports only then.
    func hasConfigDrive(_ vm: String) -> Bool {
        (tables["VM"]?[vm]?["VBDs"]?.stringArray ?? []).contains { vbd in
            guard let vdi = tables["VBD"]?[vbd]?["VDI"]?.stringValue else { return false }
            return tables["VDI"]?[vdi]?["name_label"]?.stringValue == Self.configDriveLabel
                && !(vdiContents[vdi]?.isEmpty ?? true)
        }
    }
}
