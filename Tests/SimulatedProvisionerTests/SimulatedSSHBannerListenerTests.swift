import Logging
import NIOCore
import NIOPosix
import ProvisionerAPI
import ProvisionerConformance
import SimulatedProvisioner
import Testing

struct SimulatedSSHBannerListenerTests {
    private let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    private func request(_ id: String) -> AllocationRequest {
        AllocationRequest(allocationID: id, userID: "user-1", plan: PlanSpec(name: "small"))
    }

    /// Runs `body` with a backend whose banner listener is on, and shuts it down afterwards.
    private func withBannerBackend<Result>(
        _ body: (SimulatedProvisioner) async throws -> Result
    ) async throws -> Result {
        let backend = SimulatedProvisioner(
            configuration: .init(provisionDelayMilliseconds: 0, sshBannerListener: true))
        do {
            let result = try await body(backend)
            await backend.shutdown()
            return result
        } catch {
            await backend.shutdown()
            throw error
        }
    }

    /// Everything a TCP server sends before it closes the connection.
    private func readUntilClosed(host: String, port: Int) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, _ in
            var received = ""
            for try await buffer in inbound { received += String(buffer: buffer) }
            return received
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func vmsPointAtAListenerThatSendsAnSSHBanner() async throws {
        try await withBannerBackend { backend in
            let first = try await backend.allocate(request("ssh-1"), logger: logger)
            let second = try await backend.allocate(request("ssh-2"), logger: logger)
            #expect(first.sshHost == "127.0.0.1")
            #expect(second.sshHost == "127.0.0.1")
            let port = try #require(first.sshPort)
            #expect(port != 22 && (1...65_535).contains(port))
            #expect(second.sshPort == port, "one listener serves every VM")
            #expect(first.ipv6?.hasPrefix("2001:db8::") == true, "the VM keeps its documentation address")

            #expect(try await readUntilClosed(host: "127.0.0.1", port: port) == "SSH-2.0-SimulatedProvisioner\r\n")
            #expect(try await readUntilClosed(host: "127.0.0.1", port: port) == "SSH-2.0-SimulatedProvisioner\r\n")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func shutdownClosesTheListenerAndLaterAllocationsFail() async throws {
        let backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0, sshBannerListener: true))
        let vm = try await backend.allocate(request("ssh-1"), logger: logger)
        let port = try #require(vm.sshPort)
        await backend.shutdown()

        // Nothing serves the banner there any more. Usually the connection is refused; with tests
        // running in parallel another test's server may already have the freed port (one did,
        // accepting and closing at once), so the check is that the banner is gone, not the error.
        let after = try? await readUntilClosed(host: "127.0.0.1", port: port)
        #expect(after != "SSH-2.0-SimulatedProvisioner\r\n")
        let error = try await #require(throws: ProvisionerError.self) {
            try await backend.allocate(request("ssh-2"), logger: logger)
        }
        #expect(error.code == .backendUnavailable)
        // The VM made before shutdown is still known and can be released.
        #expect(try await backend.allocate(request("ssh-1"), logger: logger) == vm)
        try await backend.release(vm, logger: logger)
        await backend.shutdown()  // a second shutdown is harmless
    }

    @Test(.timeLimit(.minutes(1)))
    func concurrentFirstAllocationsShareOneListener() async throws {
        try await withBannerBackend { backend in
            let ports = try await withThrowingTaskGroup(of: Int?.self) { group in
                for index in 0..<16 {
                    group.addTask { try await backend.allocate(request("race-\(index)"), logger: logger).sshPort }
                }
                return try await group.reduce(into: Set<Int?>()) { $0.insert($1) }
            }
            #expect(ports.count == 1)
            let port = try #require(ports.first ?? nil)
            #expect(try await readUntilClosed(host: "127.0.0.1", port: port) == "SSH-2.0-SimulatedProvisioner\r\n")
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: [1, 4])
    func passesTheConformanceKitWithTheListenerOn(concurrentAllocations: Int) async throws {
        try await withBannerBackend { backend in
            let options = ProvisionerConformance.Options(concurrentAllocations: concurrentAllocations)
            try await ProvisionerConformance.run(against: backend, options: options, logger: logger)
            #expect(backend.liveCount == 0)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func offByDefaultNothingIsBound() async throws {
        let backend = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0))
        let vm = try await backend.allocate(request("plain"), logger: logger)
        #expect(vm.sshHost == vm.ipv6)
        #expect(vm.sshPort == 22)
        await backend.shutdown()
        _ = try await backend.allocate(request("plain-2"), logger: logger)  // shutdown only stops the listener
    }
}
