import Foundation
import HTTPTypes
import Host
import Hummingbird
import HummingbirdTesting
import Logging
import ProvisionerAPI
import ServiceLifecycle
import SimulatedProvisioner
import Testing

/// Start-up recovery as `serve` runs it: next to a server that already answers.
///
/// `serve` used to run recovery before it built the application, so nothing listened until every
/// interrupted VM was finished on the backend. The XCP-NG kill test saw that as a server that did
/// not start within 30 s, and the onboarding service would see a dead API. In these tests
/// recovery waits on the backend and the API must answer meanwhile; run the old way, they wait for
/// a listening server that never comes and hit the time limit.
@Suite(.timeLimit(.minutes(1)))
struct StartupRecoveryTests {
    /// A store as `kill -9` leaves it in the middle of provisioning a free order, and dependencies
    /// over it whose backend holds every `allocate` until the gate opens.
    private struct CrashedHost {
        let dependencies: HostDependencies
        let interrupted: AllocationRecord
        let store: SQLiteStore
        let simulated: SimulatedProvisioner
        let allocateStarted: AsyncStream<Void>
        let gate: AsyncStream<Void>.Continuation

        static func make() async throws -> CrashedHost {
            let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
            let (gate, gateContinuation) = AsyncStream.makeStream(of: Void.self)
            var configuration = HostConfiguration.hermeticForTests()
            configuration.worker.pollIntervalMilliseconds = 20
            configuration.launchProof.sshSmokeEnabled = false
            let store = try SQLiteStore(path: ":memory:")
            try await store.migrate()
            let simulated = SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0))
            var logger = Logger(label: "test.startup-recovery")
            logger.logLevel = .warning
            let dependencies = HostDependencies(
                configuration: configuration, store: store,
                backend: GatedProvisioner(simulated, started: startedContinuation, gate: gate),
                serviceToken: TestHost.serviceToken, adminSecret: TestHost.adminSecret,
                dashboardSecret: TestHost.dashboardSecret, logger: logger)
            let order = try await dependencies.orders.createOrder(
                NewOrder(userID: "user-crashed", plan: "trial"), idempotencyKey: nil, requestID: nil, logger: logger
            ).record
            var begin = AllocationChange.state(.provisioning)
            begin.incrementAttempts = true
            let entry = JournalEntry(
                allocationID: order.id, backend: simulated.name, operation: .allocate, startedAt: Date())
            _ = try await store.transition(
                id: order.id, from: [order.state], change: begin, journal: .begin(entry), audit: [])
            return CrashedHost(
                dependencies: dependencies, interrupted: order, store: store, simulated: simulated,
                allocateStarted: started, gate: gateContinuation)
        }

        func close() async throws {
            await simulated.shutdown()
            try await store.close()
        }
    }

    @Test func theAPIAnswersWhileRecoveryWaitsOnTheBackendAndTheWorkerStartsAfterIt() async throws {
        let host = try await CrashedHost.make()
        let finished = AsyncStream.makeStream(of: StartupRecovery.Outcome.self)
        let recovery = host.dependencies.startupRecovery { outcome in
            finished.continuation.yield(outcome)
        }
        let auth: HTTPFields = [.authorization: "Bearer \(TestHost.serviceToken)"]
        try await buildApplication(host.dependencies, recovery: recovery).test(.live) { client in
            var started = host.allocateStarted.makeAsyncIterator()
            _ = await started.next()  // recovery is inside the backend's allocate, held there
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            let interrupted = try await client.execute(
                uri: "/v1/vm/\(host.interrupted.id)/status", method: .get)
            #expect(try interrupted.json()["launch_proof_status"] as? String == "provisioning")

            // An order taken during recovery is committed and waits: the worker has not started.
            let created = try await client.post(
                "/v1/vm", json: #"{"user_id": "user-new", "plan": "trial"}"#, headers: auth)
            #expect(created.status == .accepted)
            let newID = try #require(try created.json()["vm_id"] as? String)
            let waiting = try #require(try await host.store.allocation(id: newID))
            #expect(waiting.leaseOwner == nil)
            #expect(host.simulated.liveCount == 0)

            host.gate.finish()  // the backend answers from now on
            var outcomes = finished.stream.makeAsyncIterator()
            let outcome = try #require(await outcomes.next())
            #expect(outcome.report.provisioningFinished == 1)
            _ = try await client.waitForState(host.interrupted.id, in: ["provisioned"])
            _ = try await client.waitForState(newID, in: ["provisioned"])
            #expect(host.simulated.liveCount == 2)
            #expect(try await host.store.unfinishedJournalEntries().isEmpty)
        }
        try await host.close()
    }

    /// A shutdown while recovery waits on the backend lets it finish, as the worker finishes its
    /// in-flight work, and starts no worker: the order taken meanwhile is left for the next start.
    @Test func aShutdownDuringRecoveryLetsItFinishAndStartsNoWorker() async throws {
        let host = try await CrashedHost.make()
        let app = buildApplication(host.dependencies, recovery: host.dependencies.startupRecovery())
        let group = ServiceGroup(
            services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: host.dependencies.logger)
        var newID = ""
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var started = host.allocateStarted.makeAsyncIterator()
            _ = await started.next()  // recovery is inside the backend's allocate
            newID = try await host.dependencies.orders.createOrder(
                NewOrder(userID: "user-new", plan: "trial"), idempotencyKey: nil, requestID: nil,
                logger: host.dependencies.logger
            ).record.id
            await group.triggerGracefulShutdown()
            host.gate.finish()  // the backend answers only once the shutdown began
            try await tasks.waitForAll()
        }
        #expect(try await host.store.allocation(id: host.interrupted.id)?.state == .provisioned)
        #expect(try await host.store.unfinishedJournalEntries().isEmpty)
        let untouched = try #require(try await host.store.allocation(id: newID))
        #expect(untouched.leaseOwner == nil)
        #expect(untouched.attempts == 0)
        #expect(host.simulated.liveCount == 1)
        try await host.close()
    }
}
