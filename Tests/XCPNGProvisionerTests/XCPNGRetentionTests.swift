import FakeXAPI
import Foundation
import ProvisionerAPI
import Testing
import XCPNGProvisioner

@Suite(.timeLimit(.minutes(1)))
struct XCPNGRetentionTests {
    static func keeping(_ grace: Double) -> (inout XCPNGProvisionerConfiguration) -> Void {
        { $0.onRelease = .haltThenDestroy(graceSeconds: grace) }
    }

    @Test func aReleaseKeepsTheVMHaltedAndTaggedUntilTheGracePassed() async throws {
        // A 5 s grace: the second release below must land inside it even on a loaded machine.
        try await withFakePool(configure: Self.keeping(5)) { backend, fake in
            let vm = try await backend.allocate(request("keep-1"), logger: quietLogger)
            try await backend.release(vm, logger: quietLogger)
            let kept = try #require(fake.snapshot().vms.first)
            #expect(kept.powerState == "Halted")
            #expect(kept.otherConfig[XCPNGProvisioner.releasedAtKey] != nil)
            #expect(fake.snapshot().vdis.count == 2)
            let retained = try await backend.retainedReleases(logger: quietLogger)
            #expect(retained.map(\.allocationID) == ["keep-1"])
            #expect(retained.first?.backendRef == vm.backendRef)
            #expect(try await backend.listInventory(logger: quietLogger).isEmpty)  // not an orphan
            // Releasing again within the grace changes nothing.
            try await backend.release(vm, logger: quietLogger)
            #expect(fake.snapshot().vms.count == 1)
            let deadline = try #require(retained.first?.destroyAfter)
            while Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            try await backend.release(vm, logger: quietLogger)
            #expect(fake.snapshot().vms.isEmpty)
            #expect(fake.snapshot().vdis.isEmpty)
            #expect(try await backend.retainedReleases(logger: quietLogger).isEmpty)
        }
    }

    @Test func theTeardownOfAFailedAttemptNeverKeepsAnything() async throws {
        try await withFakePool(configure: Self.keeping(3600)) { backend, fake in
            fake.addFault(FakeFault(method: "VM.start", error: ["NO_HOSTS_AVAILABLE"], times: 1))
            await #expect(throws: ProvisionerError.self) {
                try await backend.allocate(request("fails", vcpus: 1), logger: quietLogger)
            }
            #expect(fake.snapshot().vms.isEmpty)
            #expect(fake.snapshot().vdis.isEmpty)
        }
    }

    @Test func aRestoreAdoptsTheKeptVMAndAFailedOneGivesItBack() async throws {
        try await withFakePool(configure: Self.keeping(3600)) { backend, fake in
            let old = try await backend.allocate(request("old"), logger: quietLogger)
            try await backend.release(old, logger: quietLogger)
            // A failed restore: the VM goes back to being kept for "old", disks intact.
            fake.addFault(FakeFault(method: "VM.start", error: ["NO_HOSTS_AVAILABLE"], times: 1))
            var failing = request("new-1")
            failing.restoredFrom = "old"
            await #expect(throws: ProvisionerError.self) { try await backend.allocate(failing, logger: quietLogger) }
            try await backend.release(
                VmAllocation(allocationID: "new-1", backend: "xcpng", attempt: nil), logger: quietLogger)
            let givenBack = try #require(fake.snapshot().vms.first)
            #expect(givenBack.nameLabel == "provisioner-old")
            #expect(givenBack.otherConfig[XCPNGProvisioner.allocationKey] == "old")
            #expect(fake.snapshot().vdis.count == 2)
            #expect(try await backend.retainedReleases(logger: quietLogger).map(\.allocationID) == ["old"])
            // A restore that works.
            var restoring = request("new-2")
            restoring.restoredFrom = "old"
            let restored = try await backend.allocate(restoring, logger: quietLogger)
            #expect(restored.backendRef == old.backendRef)
            #expect(restored.attributes["xcpng.restored_from"] == "old")
            let adopted = try #require(fake.snapshot().vms.first)
            #expect(adopted.nameLabel == "provisioner-new-2")
            #expect(adopted.powerState == "Running")
            #expect(adopted.otherConfig[XCPNGProvisioner.allocationKey] == "new-2")
            #expect(adopted.otherConfig[XCPNGProvisioner.releasedAtKey] == nil)
            #expect(try await backend.retainedReleases(logger: quietLogger).isEmpty)
            // Idempotent, and the old allocation's VM is no longer released by the old id.
            #expect(try await backend.allocate(restoring, logger: quietLogger) == restored)
            try await backend.release(old, logger: quietLogger)
            #expect(fake.snapshot().vms.count == 1)
            // Nothing kept for an unknown allocation.
            var unknown = request("new-3")
            unknown.restoredFrom = "never"
            await #expect(throws: ProvisionerError.self) { try await backend.allocate(unknown, logger: quietLogger) }
        }
    }

    @Test func onReleaseIsDecodedAndChecked() throws {
        func decode(_ pairs: [(String, ConfigNode.Content)]) throws -> XCPNGProvisionerConfiguration {
            var entries: [ConfigNode.Entry] = [
                .init(key: "url", value: ConfigNode(content: .scalar("http://127.0.0.1:1"))),
                .init(key: "template", value: ConfigNode(content: .scalar("t"))),
                .init(key: "network", value: ConfigNode(content: .scalar("n"))),
            ]
            for (key, content) in pairs {
                entries.append(.init(key: key, value: ConfigNode(content: content, path: [key])))
            }
            return try XCPNGProvisionerConfiguration(decoding: ConfigNode(content: .mapping(entries)))
        }
        func mapping(_ pairs: [(String, String)]) -> ConfigNode.Content {
            .mapping(pairs.map { .init(key: $0.0, value: ConfigNode(content: .scalar($0.1))) })
        }
        let defaults = try decode([])
        #expect(defaults.onRelease == .destroy)
        #expect(defaults.guestConfig == .cloudInit)
        #expect(defaults.probeIntervalSeconds == 10)
        #expect(
            try decode([("on_release", mapping([("mode", "halt_then_destroy"), ("grace_s", "600")]))]).onRelease
                == .haltThenDestroy(graceSeconds: 600))
        #expect(try decode([("guest_config", .scalar("xenstore"))]).guestConfig == .xenstore)
        #expect(throws: ConfigError.self) { try decode([("on_release", mapping([("mode", "halt_then_destroy")]))]) }
        #expect(throws: ConfigError.self) { try decode([("on_release", mapping([("mode", "keep")]))]) }
        #expect(throws: ConfigError.self) { try decode([("on_release", mapping([("grace_s", "5")]))]) }
        #expect(throws: ConfigError.self) { try decode([("guest_config", .scalar("ignition"))]) }
        #expect(throws: ConfigError.self) { try decode([("cloud_init", mapping([("user_data", "text")]))]) }
        #expect(throws: ConfigError.self) { try decode([("probe_interval_s", .scalar("0"))]) }
    }
}
