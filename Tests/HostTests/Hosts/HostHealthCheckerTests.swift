import Foundation
import HTTPTypes
import HummingbirdTesting
import PoolProvisioner
import ProvisionerAPI
import ServiceLifecycle
import Testing

@testable import Host

/// The dead-man's switch with short thresholds (stale after 30 s, down after 60 s) and an injected
/// clock: nothing here waits for a threshold.
struct HostHealthCheckerTests {
    @Test(.timeLimit(.minutes(1)))
    func eachTransitionIsAnnouncedOnceAndSilentNewHostsAnnounceNothing() async throws {
        try await HostsHost.run { host, client in
            try await host.seedHost()
            try await host.seedHost("quiet-22222222", key: String(repeating: "ee", count: 32))
            #expect(try await client.report(HostsHost.report("fra1-0a1b2c3d"), key: HostsHost.fixtureKey).status == .ok)
            let checker = host.checker
            func checkTwice() async throws -> [String: String] {
                let first = try await checker.check()
                let second = try await checker.check()
                #expect(second.announced.isEmpty, "a second check announced \(second.announced)")
                return first.announced
            }
            #expect(try await checkTwice().isEmpty)  // never_reported -> ok: no event
            host.clock.advance(by: 29)
            #expect(try await checkTwice().isEmpty)
            host.clock.advance(by: 2)
            #expect(try await checkTwice() == ["fra1-0a1b2c3d": "host_stale"])
            host.clock.advance(by: 30)
            #expect(try await checkTwice() == ["fra1-0a1b2c3d": "host_down"])
            #expect(try await client.report(HostsHost.report("fra1-0a1b2c3d"), key: HostsHost.fixtureKey).status == .ok)
            #expect(try await checkTwice() == ["fra1-0a1b2c3d": "host_recovered"])
            // On /admin/events.json with the kind and the host id; nothing about the silent host.
            let page = try await client.execute(
                uri: "/admin/events.json?host_id=fra1-0a1b2c3d", method: .get, headers: host.adminAuth)
            let events = try #require(try page.json()["events"] as? [[String: Any]])
            #expect(events.compactMap { $0["kind"] as? String } == ["host_recovered", "host_down", "host_stale"])
            #expect(events.allSatisfy { $0["host_id"] as? String == "fra1-0a1b2c3d" })
            let quiet = try await host.store.lifecycleEvents(
                matching: .init(hostID: "quiet-22222222"), limit: 10, beforeID: nil)
            #expect(quiet.isEmpty)
            // The gauge: hosts per health.
            let metrics = host.dependencies.metrics.render()
            #expect(metrics.contains(#"provisioner_hosts{health="ok"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"provisioner_hosts{health="never_reported"} 1"#))
            #expect(metrics.contains(#"provisioner_hosts{health="down"} 0"#))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theServiceChecksAtStartAndEveryInterval() async throws {
        try await HostsHost.run(configure: { $0.hosts.checkIntervalSeconds = 1 }) { host, client in
            try await host.seedHost()
            #expect(try await client.report(HostsHost.report("fra1-0a1b2c3d"), key: HostsHost.fixtureKey).status == .ok)
            let checker = host.checker
            let running = Task { try await checker.run() }
            // The checker stops before the store closes; a check against a closed store fails.
            let stopChecker = {
                running.cancel()
                _ = try? await running.value
            }
            do {
                try await pollUntil { try await host.store.host(id: "fra1-0a1b2c3d")?.announcedHealth == .ok }
                host.clock.advance(by: 61)
                try await pollUntil { try await host.store.host(id: "fra1-0a1b2c3d")?.announcedHealth == .down }
            } catch {
                await stopChecker()
                throw error
            }
            await stopChecker()
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func reportsOlderThanTheRetentionArePruned() async throws {
        try await HostsHost.run(configure: { $0.hosts.reportRetentionDays = 1 }) { host, _ in
            try await host.seedHost()
            for daysAgo in [3.0, 2, 0.5] {
                let at = host.clock.now.addingTimeInterval(-daysAgo * 86_400)
                _ = try await host.store.recordHostReport(
                    StoreHostsTests.report("fra1-0a1b2c3d", at: at), body: "{}")
            }
            #expect(try await host.checker.check().pruned == 2)
            #expect(try await host.store.hostReports(hostID: "fra1-0a1b2c3d", limit: 10).count == 1)
        }
    }

    /// An allocation on a host that goes down gets its own `host_down` event, and the service and
    /// admin views show the host's health; the public status never does.
    @Test(.timeLimit(.minutes(1)))
    func allocationsOnAHostThatWentDownGetHostDownAndShowItsHealth() async throws {
        try await HostsHost.run { host, client in
            try await host.seedHost()
            #expect(try await client.report(HostsHost.report("fra1-0a1b2c3d"), key: HostsHost.fixtureKey).status == .ok)
            let order = try await StoreFixture.insert(StoreFixture.order(paid: false), into: host.store)
            try await StoreFixture.move(order.id, from: [.paid], .state(.provisioning), in: host.store)
            var delivered = AllocationChange.state(.provisioned)
            delivered.vm = VmAllocation(
                allocationID: order.id, backend: "pool", backendRef: "vm-1",
                attributes: [PoolAssignmentProvisioner.hostAttribute: "fra1-0a1b2c3d"])
            try await StoreFixture.move(order.id, from: [.provisioning], delivered, in: host.store)
            let other = try await StoreFixture.insert(StoreFixture.order(paid: false), into: host.store)

            var view = try await client.execute(uri: "/v1/vm/\(order.id)", method: .get, headers: host.serviceAuth)
            #expect(try view.json()["host"] as? String == "fra1-0a1b2c3d")
            #expect(try view.json()["host_health"] as? String == "ok")
            _ = try await host.checker.check()
            host.clock.advance(by: 61)
            #expect(try await host.checker.check().announced == ["fra1-0a1b2c3d": "host_down"])
            #expect(try await host.checker.check().announced.isEmpty)
            let events = try await host.store.lifecycleEvents(allocationID: order.id)
            #expect(events.map(\.kind) == ["host_down"])
            #expect(events.first?.hostID == "fra1-0a1b2c3d")
            #expect(try await host.store.lifecycleEvents(allocationID: other.id).isEmpty)

            view = try await client.execute(uri: "/v1/vm/\(order.id)", method: .get, headers: host.serviceAuth)
            #expect(try view.json()["host_health"] as? String == "down")
            let admin = try await client.execute(uri: "/admin/allocations.json", method: .get, headers: host.adminAuth)
            let rows = try #require(try admin.json()["allocations"] as? [[String: Any]])
            #expect(rows.first { $0["vm_id"] as? String == order.id }?["host_health"] as? String == "down")
            #expect(rows.first { $0["vm_id"] as? String == other.id }?["host_health"] is NSNull)
            let page = try await client.execute(uri: "/admin/allocations", method: .get, headers: host.adminAuth)
            #expect(page.bodyText.contains("title=\"host_down\""))
            let status = try await client.execute(uri: "/v1/vm/\(order.id)/status", method: .get)
            #expect(!status.bodyText.contains("host"), "\(status.bodyText)")
            #expect(!status.bodyText.contains("fra1"))
        }
    }

    /// The pool never hands out a VM whose host is stale, down or blocked; one on a host that never
    /// reported, or with no host, is handed out.
    @Test(.timeLimit(.minutes(1)))
    func thePoolSkipsVMsOnStaleDownOrBlockedHosts() async throws {
        let vms = [
            PoolVM(id: "vm-a", host: "fra1-0a1b2c3d"), PoolVM(id: "vm-b", host: "ams1-11111111"),
            PoolVM(id: "vm-new", host: "new1-33333333"),
        ]
        try await HostsHost.run(pool: vms) { host, client in
            let pool = try #require(host.dependencies.backend as? PoolAssignmentProvisioner)
            try await host.seedHost()
            try await host.seedHost("ams1-11111111", key: String(repeating: "cd", count: 32))
            try await host.seedHost("new1-33333333", key: String(repeating: "ef", count: 32))
            #expect(try await client.report(HostsHost.report("fra1-0a1b2c3d"), key: HostsHost.fixtureKey).status == .ok)
            host.clock.advance(by: 31)  // fra1 is stale now
            #expect(
                try await client.report(
                    HostsHost.report("ams1-11111111"), key: String(repeating: "cd", count: 32)
                ).status == .ok)
            let blocked = try await client.execute(
                uri: "/admin/hosts/ams1-11111111/block", method: .post, headers: host.adminAuth)
            #expect(blocked.status == .ok)
            let plan = PlanSpec(name: "trial", priceCents: 0)
            let logger = host.dependencies.logger
            func allocate(_ id: String) async throws -> String? {
                try await pool.allocate(AllocationRequest(allocationID: id, userID: "u", plan: plan), logger: logger)
                    .backendRef
            }
            #expect(try await allocate("a-1") == "vm-new")
            await #expect(throws: ProvisionerError.poolExhausted("")) { _ = try await allocate("a-2") }
            await #expect(throws: ProvisionerError.poolExhausted("")) {
                _ = try await pool.hasCapacity(for: plan, logger: logger)
            }
            host.clock.advance(by: 30)  // fra1 is down
            await #expect(throws: ProvisionerError.poolExhausted("")) { _ = try await allocate("a-2") }
            // fra1 reports again: its VM is handed out; ams1 stays blocked.
            #expect(try await client.report(HostsHost.report("fra1-0a1b2c3d"), key: HostsHost.fixtureKey).status == .ok)
            #expect(try await pool.hasCapacity(for: plan, logger: logger))
            #expect(try await allocate("a-2") == "vm-a")
            await #expect(throws: ProvisionerError.poolExhausted("")) { _ = try await allocate("a-3") }
            // ams1 (stale by now) reports again: still blocked. Unblocked, its VM is handed out.
            #expect(
                try await client.report(
                    HostsHost.report("ams1-11111111"), key: String(repeating: "cd", count: 32)
                ).status == .ok)
            await #expect(throws: ProvisionerError.poolExhausted("")) { _ = try await allocate("a-3") }
            let unblocked = try await client.execute(
                uri: "/admin/hosts/ams1-11111111/unblock", method: .post, headers: host.adminAuth)
            #expect(try unblocked.json()["blocked"] as? Bool == false)
            #expect(try await allocate("a-3") == "vm-b")
        }
    }
}

/// Polls `condition` every 20 ms until it holds, failing after `timeout`.
func pollUntil(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while try await !condition() {
        guard clock.now < deadline else { throw TestFailure("condition not met within \(timeout)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
