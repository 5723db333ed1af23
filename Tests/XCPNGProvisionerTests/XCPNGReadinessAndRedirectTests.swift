import FakeXAPI
import Foundation
import Hummingbird
import Logging
import NIOCore
import ProvisionerAPI
import Synchronization
import Testing
import XCPNGProvisioner

@Suite(.timeLimit(.minutes(1)))
struct XCPNGReadinessAndRedirectTests {
    @Test func readinessReportsTheBackgroundProbeAndNeverCallsTheMaster() async throws {
        try await withFakePool(configure: { $0.probeIntervalSeconds = 3600 }) { backend, fake in
            await #expect(throws: ProvisionerError.self) { try await backend.checkReadiness(logger: quietLogger) }
            #expect(fake.snapshot().callCounts.isEmpty)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await backend.runBackgroundWork(logger: quietLogger) }
                let deadline = ContinuousClock.now + .seconds(20)
                while (try? await backend.checkReadiness(logger: quietLogger)) == nil {
                    #expect(ContinuousClock.now < deadline, "the background probe never reported ready")
                    if ContinuousClock.now >= deadline { break }
                    try await Task.sleep(for: .milliseconds(10))
                }
                let before = fake.snapshot().callCounts
                for _ in 0..<500 { try await backend.checkReadiness(logger: quietLogger) }
                #expect(fake.snapshot().callCounts == before)
                #expect(before["pool.get_all"] == 1)
                group.cancelAll()
            }
        }
    }

    @Test func aFailedProbeMakesTheBackendNotReady() async throws {
        try await withFakePool(configure: { $0.probeIntervalSeconds = 3600 }) { backend, fake in
            fake.addFault(FakeFault(method: "pool.get_all", error: ["HOST_OFFLINE", "h"]))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await backend.runBackgroundWork(logger: quietLogger) }
                let deadline = ContinuousClock.now + .seconds(30)
                while fake.snapshot().callCounts["pool.get_all", default: 0] < 7, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let probed = ContinuousClock.now + .seconds(10)
                var refused = false
                while !refused, ContinuousClock.now < probed {
                    refused =
                        (try? await backend.checkReadiness(logger: quietLogger)) == nil
                        && fake.snapshot().callCounts["pool.get_all", default: 0] >= 7
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(refused)
                group.cancelAll()
            }
        }
    }

    /// A JSON-RPC call answered with a redirect is an error; nothing is sent to the new location,
    /// so the body with the password is never repeated anywhere.
    @Test(arguments: [HTTPResponse.Status.found, .temporaryRedirect, .permanentRedirect])
    func jsonRPCNeverFollowsARedirect(status: HTTPResponse.Status) async throws {
        let hits = Mutex<[String]>([])
        let router = Router()
        router.post("/jsonrpc") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            hits.withLock { $0.append("/jsonrpc " + String(buffer: body)) }
            return Response(status: status, headers: [.location: "/elsewhere"])
        }
        router.post("/elsewhere") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            hits.withLock { $0.append("/elsewhere " + String(buffer: body)) }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "{\"result\":\"OpaqueRef:x\",\"error\":null,\"id\":1}")))
        }
        router.get("/elsewhere") { _, _ in
            hits.withLock { $0.append("GET /elsewhere") }
            return Response(status: .ok)
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let backend = XCPNGProvisioner(
                configuration: testConfiguration(port: port), username: "root", password: "s3cret-password")
            await #expect(throws: ProvisionerError.self) { try await backend.probe(logger: quietLogger) }
            let seen = hits.withLock { $0 }
            #expect(seen.count == 1)
            #expect(seen.first?.hasPrefix("/jsonrpc ") == true)
            #expect(seen.first?.contains("s3cret-password") == true)  // the one request that was made
            #expect(!seen.contains { $0.contains("elsewhere") })
            await backend.shutdown()
            group.cancelAll()
        }
    }
}
