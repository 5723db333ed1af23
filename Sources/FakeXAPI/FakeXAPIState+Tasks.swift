extension FakeXAPIState {
    /// `Async.<method>`: a task. `VM.start` stays pending for the configured start duration;
    /// anything else runs now and its task is already finished.
    mutating func startTask(_ method: String, _ params: [FakeValue], session: String, now: ContinuousClock.Instant)
        throws(FakeXAPIError) -> FakeValue
    {
        var task: Record = [
            "name_label": .string("Async.\(method)"), "name_description": "", "status": "pending",
            "progress": .double(0),
            "created": .string(Self.timestamp()), "finished": "19700101T00:00:00Z", "result": "", "error_info": [],
            "type": "<none/>", "subtask_of": "OpaqueRef:NULL", "subtasks": [], "other_config": [:],
            "allowed_operations": [], "current_operations": [:],
        ]
        if method == "VM.start" {
            let vm = try arg(params, 0, count: 3, method)
            _ = try record("VM", vm)
            let ref = insert("task", task)
            let injected = takeFault(for: "VM.start")?.error.map {
                FakeXAPIError($0.first ?? "INTERNAL_ERROR", Array($0.dropFirst()))
            }
            pendingStarts[ref] = PendingStart(vm: vm, completesAt: now + options.startDuration, injected: injected)
            notePeak(now: now)
            return .string(ref)
        }
        do {
            let result = try dispatch(method, params, session: session, now: now)
            Self.finish(&task, with: .success(result))
        } catch {
            Self.finish(&task, with: .failure(error))
        }
        return .string(insert("task", task))
    }

    static func finish(_ task: inout Record, with outcome: Result<FakeValue, FakeXAPIError>) {
        task["progress"] = .double(1)
        task["finished"] = .string(timestamp())
        switch outcome {
        case .success(let value):
            task["status"] = "success"
            // XAPI stores task results XML-RPC encoded, even for JSON-RPC clients.
            task["result"] = .string("<value>\(value.stringValue ?? "")</value>")
        case .failure(let error):
            task["status"] = "failure"
            task["error_info"] = .array(([error.code] + error.params).map { .string($0) })
        }
    }

    mutating func cancelTask(_ task: String) throws(FakeXAPIError) -> FakeValue {
        let current = try record("task", task)
        guard current["status"]?.stringValue == "pending" else {
            throw FakeXAPIError("OPERATION_NOT_ALLOWED", ["task is not pending"])
        }
        pendingStarts[task] = nil
        try update("task", task) { $0["status"] = "cancelled" }
        return ""
    }

    /// Applies what became due by `now`: finished start tasks, guest metrics of booted VMs.
    mutating func advance(to now: ContinuousClock.Instant) {
        for (task, pending) in pendingStarts where pending.completesAt <= now {
            pendingStarts[task] = nil
            guard tables["task"]?[task]?["status"]?.stringValue == "pending" else { continue }
            let outcome: Result<FakeValue, FakeXAPIError>
            if let injected = pending.injected {
                outcome = .failure(injected)
            } else {
                do { outcome = .success(try startVM(pending.vm, now: pending.completesAt)) } catch {
                    outcome = .failure(error)
                }
            }
            try? update("task", task) { Self.finish(&$0, with: outcome) }
        }
        for (vm, due) in metricsDue where due <= now {
            metricsDue[vm] = nil
            guard let record = tables["VM"]?[vm], record["power_state"]?.stringValue == "Running" else { continue }
            var networks: [String: String] = [:]
            for vif in record["VIFs"]?.stringArray ?? [] {
                guard let device = tables["VIF"]?[vif]?["device"]?.stringValue else { continue }
                addressCounter += 1
                let host = addressCounter
                let v4 = "10.\(host >> 16 & 255).\(host >> 8 & 255).\(host & 255)"
                networks["\(device)/ip"] = v4
                networks["\(device)/ipv4/0"] = v4
                networks["\(device)/ipv6/0"] = "fe80::a8bb:ccff:fe00:\(String(host, radix: 16))"
                networks["\(device)/ipv6/1"] = "2001:db8:58::\(String(host, radix: 16))"
            }
            let metrics = insert(
                "VM_guest_metrics",
                [
                    "networks": .map(networks), "os_version": ["name": "Debian GNU/Linux 12"],
                    "PV_drivers_detected": true,
                    "live": true, "last_updated": .string(Self.timestamp()), "other": [:],
                ])
            try? update("VM", vm) { $0["guest_metrics"] = .string(metrics) }
        }
    }

    static func timestamp() -> String { "20260101T00:00:00Z" }
}
