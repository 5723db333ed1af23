extension FakeXAPIState {
    static let classes: Set<String> = [
        "VM", "VBD", "VDI", "VIF", "network", "SR", "host", "pool", "task", "VM_guest_metrics", "session",
    ]

    /// Answers one authenticated call (the session is already checked and stripped from `params`).
    mutating func dispatch(_ method: String, _ params: [FakeValue], session: String, now: ContinuousClock.Instant)
        throws(FakeXAPIError) -> FakeValue
    {
        if method.hasPrefix("Async.") {
            return try startTask(String(method.dropFirst("Async.".count)), params, session: session, now: now)
        }
        switch method {
        case "session.logout":
            sessions[session] = nil
            return ""
        case "VM.clone": return try cloneVM(params)
        case "VM.provision": return try provisionVM(params)
        case "VM.start": return try startVM(try arg(params, 0, count: 3, method), now: now)
        case "VM.hard_shutdown", "VM.clean_shutdown", "VM.shutdown":
            return try shutdownVM(try arg(params, 0, count: 1, method))
        case "VM.destroy": return try destroyVM(try arg(params, 0, count: 1, method))
        case "VM.get_allowed_VIF_devices": return try allowedVIFDevices(try arg(params, 0, count: 1, method))
        case "VM.set_memory_limits": return try setMemoryLimits(params)
        case "VM.set_VCPUs_max", "VM.set_VCPUs_at_startup": return try setVCPUs(method, params)
        case "VIF.create": return try createVIF(params)
        case "VDI.create": return try createVDI(params)
        case "VBD.create": return try createVBD(params)
        case "VM.get_allowed_VBD_devices": return try allowedVBDDevices(try arg(params, 0, count: 1, method))
        case "VIF.destroy", "VBD.destroy": return try destroyDevice(method, params)
        case "VDI.destroy": return try destroyVDI(try arg(params, 0, count: 1, method))
        case "host.compute_free_memory": return .int(try freeMemory(try arg(params, 0, count: 1, method)))
        case "task.cancel": return try cancelTask(try arg(params, 0, count: 1, method))
        case "task.destroy":
            let task = try arg(params, 0, count: 1, method)
            _ = try record("task", task)
            tables["task"]?[task] = nil
            pendingStarts[task] = nil
            return ""
        default: return try generic(method, params)
        }
    }

    /// The string parameter at `index`, checking the parameter count (after the session).
    func arg(_ params: [FakeValue], _ index: Int, count: Int, _ method: String) throws(FakeXAPIError) -> String {
        guard params.count == count else {
            throw FakeXAPIError("MESSAGE_PARAMETER_COUNT_MISMATCH", [method, "\(count + 1)", "\(params.count + 1)"])
        }
        guard let text = params[index].stringValue else {
            throw FakeXAPIError("FIELD_TYPE_ERROR", ["param \(index + 1)"])
        }
        return text
    }

    /// `get_record`, `get_all`, `get_all_records`, `get_by_uuid`, `get_by_name_label` and field
    /// getters/setters/map updates of any class.
    private mutating func generic(_ method: String, _ params: [FakeValue]) throws(FakeXAPIError) -> FakeValue {
        let parts = method.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, Self.classes.contains(parts[0]) else {
            throw FakeXAPIError("MESSAGE_METHOD_UNKNOWN", [method])
        }
        let (xapiClass, message) = (parts[0], parts[1])
        let table = tables[xapiClass] ?? [:]
        switch message {
        case "get_all":
            return .array(table.keys.sorted().map { .string($0) })
        case "get_all_records":
            return .object(table.mapValues { .object($0) })
        case "get_record":
            return .object(try record(xapiClass, try arg(params, 0, count: 1, method)))
        case "get_by_uuid":
            let uuid = try arg(params, 0, count: 1, method)
            guard let ref = table.first(where: { $0.value["uuid"]?.stringValue == uuid })?.key else {
                throw FakeXAPIError("UUID_INVALID", [xapiClass, uuid])
            }
            return .string(ref)
        case "get_by_name_label":
            let label = try arg(params, 0, count: 1, method)
            return .array(
                table.filter { $0.value["name_label"]?.stringValue == label }.keys.sorted().map { .string($0) })
        case _ where message.hasPrefix("get_"):
            let record = try record(xapiClass, try arg(params, 0, count: 1, method))
            guard let value = record[String(message.dropFirst(4))] else {
                throw FakeXAPIError("MESSAGE_METHOD_UNKNOWN", [method])
            }
            return value
        case _ where message.hasPrefix("set_"):
            let ref = try arg(params, 0, count: 2, method)
            let field = String(message.dropFirst(4))
            try update(xapiClass, ref) { (record) throws(FakeXAPIError) in
                guard record[field] != nil else { throw FakeXAPIError("MESSAGE_METHOD_UNKNOWN", [method]) }
                record[field] = params[1]
            }
            return ""
        case _ where message.hasPrefix("add_to_"):
            let ref = try arg(params, 0, count: 3, method)
            let field = String(message.dropFirst(7))
            guard let key = params[1].stringValue else { throw FakeXAPIError("FIELD_TYPE_ERROR", ["key"]) }
            try update(xapiClass, ref) { (record) throws(FakeXAPIError) in
                guard var map = record[field]?.objectValue else {
                    throw FakeXAPIError("MESSAGE_METHOD_UNKNOWN", [method])
                }
                guard map[key] == nil else {
                    throw FakeXAPIError(
                        "MAP_DUPLICATE_KEY", [xapiClass, field, record["uuid"]?.stringValue ?? "", key])
                }
                map[key] = params[2]
                record[field] = .object(map)
            }
            return ""
        case _ where message.hasPrefix("remove_from_"):
            let ref = try arg(params, 0, count: 2, method)
            let field = String(message.dropFirst(12))
            guard let key = params[1].stringValue else { throw FakeXAPIError("FIELD_TYPE_ERROR", ["key"]) }
            try update(xapiClass, ref) { (record) throws(FakeXAPIError) in
                guard var map = record[field]?.objectValue else {
                    throw FakeXAPIError("MESSAGE_METHOD_UNKNOWN", [method])
                }
                map[key] = nil
                record[field] = .object(map)
            }
            return ""
        default:
            throw FakeXAPIError("MESSAGE_METHOD_UNKNOWN", [method])
        }
    }
}
