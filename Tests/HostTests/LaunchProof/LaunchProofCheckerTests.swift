import Host
import Logging
import ProvisionerAPI
import SimulatedProvisioner
import Testing

struct LaunchProofCheckerTests {
    private let resolver = StaticAAAAResolver(["vm1.example.test": ["2001:db8::1"]])

    private func configuration(dns: Bool = true, ssh: Bool = true) -> LaunchProofConfiguration {
        var configuration = LaunchProofConfiguration()
        configuration.dnsAAAAEnabled = dns
        configuration.sshSmokeEnabled = ssh
        configuration.sshSmokeTimeoutSeconds = 5
        return configuration
    }

    @Test(.timeLimit(.minutes(1)))
    func bothDisabledIsNotRunTwice() async throws {
        let checker = LaunchProofChecker(configuration: configuration(dns: false, ssh: false), resolver: resolver)
        let vm = VmAllocation(
            allocationID: "a1", backend: "test", ipv6: "2001:db8::1", hostname: "vm1.example.test",
            sshHost: "127.0.0.1", sshPort: 22)
        let result = await checker.verify(hostname: "vm1.example.test", vm: vm)
        #expect(result.dns == .notRun)
        #expect(result.ssh == .notRun)
    }

    @Test(.timeLimit(.minutes(1)))
    func bothEnabledMeasureBoth() async throws {
        let checker = LaunchProofChecker(configuration: configuration(), resolver: resolver)
        let result = try await withLoopbackServer(.send("SSH-2.0-TestServer_1.0\r\n")) { server in
            let vm = VmAllocation(
                allocationID: "a1", backend: "test", ipv6: "2001:db8::1", sshHost: "127.0.0.1", sshPort: server.port)
            return await checker.verify(hostname: "vm1.example.test", vm: vm)
        }
        #expect(result.dns.status == .passed)
        #expect(result.ssh.status == .passed)
    }

    @Test(.timeLimit(.minutes(1)))
    func sshFallsBackToTheIPv4WithoutSSHHostOrIPv6() async throws {
        let checker = LaunchProofChecker(configuration: configuration(), resolver: resolver)
        let result = try await withLoopbackServer(.send("SSH-2.0-TestServer_1.0\r\n")) { server in
            let vm = VmAllocation(
                allocationID: "a1", backend: "test", ipv4: "127.0.0.1", ipv6: "", hostname: "vm1.example.test",
                sshHost: "", sshPort: server.port)
            return await checker.verify(hostname: "", vm: vm)
        }
        #expect(result.dns == .notRun, "the VM has no IPv6 address to compare")
        #expect(result.ssh.status == .passed)
    }

    @Test(.timeLimit(.minutes(1)))
    func dnsComparesTheVMsHostnameWhenNoneIsConfigured() async {
        let checker = LaunchProofChecker(configuration: configuration(ssh: false), resolver: resolver)
        let vm = VmAllocation(allocationID: "a1", backend: "test", ipv6: "2001:db8::9", hostname: "vm1.example.test")
        let result = await checker.verify(hostname: nil, vm: vm)
        #expect(result.dns.status == .failed)
        #expect(result.dns.detail == "AAAA records of 'vm1.example.test' [2001:db8::1] do not include 2001:db8::9")
        #expect(result.ssh == .notRun)
    }

    @Test(.timeLimit(.minutes(1)))
    func vmWithoutAddressesIsNotRun() async {
        let checker = LaunchProofChecker(configuration: configuration(), resolver: resolver)
        let result = await checker.verify(
            hostname: "vm1.example.test", vm: VmAllocation(allocationID: "a1", backend: "t"))
        #expect(result.dns == .notRun)
        #expect(result.ssh == .notRun)
    }

    @Test(.timeLimit(.minutes(1)))
    func refusedSSHFails() async throws {
        let port = try await closedLoopbackPort()
        let checker = LaunchProofChecker(configuration: configuration(dns: false), resolver: resolver)
        let vm = VmAllocation(
            allocationID: "a1", backend: "test", ipv6: "2001:db8::1", sshHost: "127.0.0.1", sshPort: port)
        let result = await checker.verify(hostname: nil, vm: vm)
        #expect(result.dns == .notRun)
        #expect(result.ssh.status == .failed)
        #expect(result.ssh.detail == "connection refused")
    }

    @Test(.timeLimit(.minutes(1)))
    func simulatedBannerListenerPassesTheSSHCheck() async throws {
        let backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0, sshBannerListener: true))
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let request = AllocationRequest(
            allocationID: "sim-1", userID: "user-1", plan: PlanSpec(name: "small"), hostname: "vm1.example.test")
        let vm = try await backend.allocate(request, logger: logger)
        let checker = LaunchProofChecker(configuration: configuration(), resolver: resolver)
        let result = await checker.verify(hostname: nil, vm: vm)
        await backend.shutdown()
        #expect(result.ssh.status == .passed)
        #expect(result.ssh.detail == "connected, banner 'SSH-2.0-SimulatedProvisioner'")
        #expect(result.dns.status == .passed, "the static table maps vm1.example.test to the first simulated address")
    }
}
