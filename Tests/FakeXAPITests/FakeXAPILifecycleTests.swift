import FakeXAPI
import Testing

/// The pool model without HTTP: power-state rules, clone/provision/destroy and their disks, tasks.
@Suite(.timeLimit(.minutes(1)))
struct FakeXAPILifecycleTests {
    struct Pool {
        let fake: FakeXAPI
        let session: String

        init(
            _ options: FakeXAPIOptions = FakeXAPIOptions(
                guestMetricsDelay: .milliseconds(1), startDuration: .milliseconds(1))
        ) async throws {
            fake = FakeXAPI(options: options)
            session =
                try await fake.call("session.login_with_password", ["root", "secret"]).outcome.get().stringValue ?? ""
        }

        func call(_ method: String, _ params: FakeValue...) async -> Result<FakeValue, FakeXAPIError> {
            await fake.call(method, [.string(session)] + params).outcome
        }

        func value(_ method: String, _ params: FakeValue...) async throws -> FakeValue {
            try await fake.call(method, [.string(session)] + params).outcome.get()
        }

        func template() async throws -> String {
            let refs = try await value("VM.get_by_name_label", "debian-12-cloud").stringArray
            for ref in refs {
                let record = try await value("VM.get_record", .string(ref))
                if record["is_a_template"] == true, record["is_a_snapshot"] == false { return ref }
            }
            throw FakeXAPIError("NO_TEMPLATE")
        }
    }

    @Test func aTemplateCannotStartAndACloneStaysATemplateUntilProvisioned() async throws {
        let pool = try await Pool()
        let template = try await pool.template()
        #expect(
            await pool.call("VM.start", .string(template), false, false)
                == .failure(FakeXAPIError("VM_IS_TEMPLATE", [template, "start"])))
        let clone = try await pool.value("VM.clone", .string(template), "c1")
        #expect(try await pool.value("VM.get_is_a_template", clone) == true)
        #expect(pool.fake.snapshot().vdis.count == 1)
        _ = try await pool.value("VM.provision", clone)
        #expect(try await pool.value("VM.get_is_a_template", clone) == false)
    }

    @Test func powerStateRulesAreEnforced() async throws {
        let pool = try await Pool()
        let clone = try await pool.value("VM.clone", .string(try await pool.template()), "c2")
        _ = try await pool.value("VM.provision", clone)
        guard case .failure(let halted) = await pool.call("VM.hard_shutdown", clone) else {
            Issue.record("hard_shutdown of a halted VM succeeded")
            return
        }
        #expect(halted.code == "VM_BAD_POWER_STATE")
        _ = try await pool.value("VM.start", clone, false, false)
        guard case .failure(let running) = await pool.call("VM.destroy", clone) else {
            Issue.record("destroy of a running VM succeeded")
            return
        }
        #expect(running.code == "VM_BAD_POWER_STATE")
        #expect(running.params.last == "running")
        let vdi = try #require(pool.fake.snapshot().vdis.first)
        #expect(
            await pool.call("VDI.destroy", .string(vdi)) == .failure(FakeXAPIError("VDI_IN_USE", [vdi, "destroy"])))
        _ = try await pool.value("VM.hard_shutdown", clone)
        _ = try await pool.value("VM.destroy", clone)
        #expect(pool.fake.snapshot().vms.isEmpty)
        #expect(pool.fake.snapshot().vdis == [vdi])  // VM.destroy orphans its disks, as XAPI does
        _ = try await pool.value("VDI.destroy", .string(vdi))
        #expect(pool.fake.snapshot().vdis.isEmpty)
    }

    @Test func startTasksFinishAndGuestMetricsAppearLater() async throws {
        let pool = try await Pool(
            FakeXAPIOptions(guestMetricsDelay: .milliseconds(50), startDuration: .milliseconds(20)))
        let clone = try await pool.value("VM.clone", .string(try await pool.template()), "c3")
        _ = try await pool.value("VM.provision", clone)
        _ = try await pool.value(
            "VIF.create",
            [
                "device": "0", "network": .string(try await pool.value("network.get_all").stringArray[0]), "VM": clone,
                "MAC": "",
            ])
        let task = try await pool.value("Async.VM.start", clone, false, false)
        #expect(try await pool.value("task.get_status", task) == "pending")
        #expect(try await pool.value("VM.get_guest_metrics", clone) == "OpaqueRef:NULL")
        // A generous deadline: the test suite runs in parallel on two loaded cores.
        let deadline = ContinuousClock.now + .seconds(30)
        while try await pool.value("task.get_status", task) == "pending", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(try await pool.value("task.get_status", task) == "success")
        #expect(try await pool.value("task.get_result", task) == "<value></value>")
        _ = try await pool.value("task.destroy", task)
        #expect(
            await pool.call("task.destroy", task)
                == .failure(FakeXAPIError("HANDLE_INVALID", ["task", task.stringValue ?? ""])))
        var metrics: FakeValue = "OpaqueRef:NULL"
        while metrics == "OpaqueRef:NULL", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
            metrics = try await pool.value("VM.get_guest_metrics", clone)
        }
        let networks = try await pool.value("VM_guest_metrics.get_networks", metrics).stringMap
        #expect(networks["0/ip"]?.hasPrefix("10.") == true)
        #expect(networks["0/ipv6/0"]?.hasPrefix("fe80::") == true)
    }

    @Test func anInjectedStartFaultFailsTheTask() async throws {
        var options = FakeXAPIOptions(guestMetricsDelay: nil, startDuration: .milliseconds(1))
        options.faults = [FakeFault(method: "VM.start", error: ["NO_HOSTS_AVAILABLE"], times: 1)]
        let pool = try await Pool(options)
        let clone = try await pool.value("VM.clone", .string(try await pool.template()), "c4")
        _ = try await pool.value("VM.provision", clone)
        let task = try await pool.value("Async.VM.start", clone, false, false)
        let deadline = ContinuousClock.now + .seconds(5)
        while try await pool.value("task.get_status", task) == "pending", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(try await pool.value("task.get_status", task) == "failure")
        #expect(try await pool.value("task.get_error_info", task) == ["NO_HOSTS_AVAILABLE"])
        #expect(try await pool.value("VM.get_power_state", clone) == "Halted")
    }

    @Test func wrongParameterCountsAndUnknownMethodsAreReported() async throws {
        let pool = try await Pool()
        #expect(
            await pool.call("VM.clone", "x")
                == .failure(FakeXAPIError("MESSAGE_PARAMETER_COUNT_MISMATCH", ["VM.clone", "3", "2"])))
        #expect(await pool.call("VM.fly") == .failure(FakeXAPIError("MESSAGE_METHOD_UNKNOWN", ["VM.fly"])))
    }
}
