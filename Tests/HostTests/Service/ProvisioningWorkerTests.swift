import Foundation
import Host
import Logging
import ProvisionerAPI
import ServiceLifecycle
import SimulatedProvisioner
import Testing

struct ProvisioningWorkerTests {
    /// Runs a worker in a `ServiceGroup` while `body` runs, then shuts it down gracefully (also
    /// when `body` throws) and waits for it to stop.
    private func withRunningWorker<T>(
        _ harness: ServiceHarness, signal: WorkSignal? = nil, _ body: (ProvisioningWorker) async throws -> T
    ) async throws -> T {
        let worker = ProvisioningWorker(
            store: harness.store, provisioning: harness.provisioning, configuration: harness.configuration.worker,
            signal: signal ?? harness.signal, logger: harness.logger, owner: "worker-under-test")
        let group = ServiceGroup(
            services: [worker], gracefulShutdownSignals: [], cancellationSignals: [], logger: harness.logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(worker))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    /// Polls the store until every allocation in `ids` is in `states`, or throws at the deadline.
    private func waitUntil(
        _ ids: [String], areIn states: Set<LaunchProofStatus>, store: any Store, timeout: Duration = .seconds(30)
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            var pending: [String: LaunchProofStatus?] = [:]
            for id in ids {
                let state = try await store.allocation(id: id)?.state
                if state.map(states.contains) != true { pending[id] = state }
            }
            if pending.isEmpty { return }
            if clock.now > deadline {
                throw WorkerTestTimeout(
                    description:
                        "\(pending.count) of \(ids.count) allocations not in \(states.map(\.rawValue).sorted()): "
                        + "\(pending.prefix(3).map { "\($0.key)=\($0.value?.rawValue ?? "missing")" })")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func provisionsAndReleasesTwentyOrdersThenStopsGracefully() async throws {
        try await ServiceHarness.with(configure: { $0.worker.concurrency = 4 }) { harness in
            try await withRunningWorker(harness) { _ in
                var ids: [String] = []
                for index in 0..<20 {
                    ids.append(try await harness.order(user: "user-\(index % 5)", plan: "trial").id)
                }
                try await waitUntil(ids, areIn: [.provisioned], store: harness.store)
                #expect(harness.simulated.liveAllocationIDs == Set(ids))
                for id in ids {
                    let record = try #require(try await harness.store.allocation(id: id))
                    #expect(record.leaseOwner == nil)
                    #expect(record.attempts == 1)
                    #expect(record.vm != nil)
                }

                for id in ids {
                    _ = try await harness.orders.requestRelease(id: id, requestID: nil, logger: harness.logger)
                }
                try await waitUntil(ids, areIn: [.released], store: harness.store)
                #expect(harness.simulated.liveCount == 0)
            }
            #expect(try await harness.store.unfinishedJournalEntries().isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func picksUpWorkFromTheStoreWithoutASignal() async throws {
        try await ServiceHarness.with { harness in
            // Orders committed before the worker starts, and a paid order whose payment wakes a
            // different signal: the worker finds both by polling the store.
            let early = try await harness.order(plan: "trial")
            let paidPlan = try await harness.order(plan: "small")
            try await withRunningWorker(harness, signal: WorkSignal()) { _ in
                _ = try await harness.orders.recordPayment(
                    id: paidPlan.id, status: "paid", reference: nil, requestID: nil, logger: harness.logger)
                try await waitUntil([early.id, paidPlan.id], areIn: [.provisioned], store: harness.store)
            }
            #expect(harness.simulated.liveCount == 2)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func takesOverWorkWhoseLeaseExpired() async throws {
        try await ServiceHarness.with { harness in
            let order = try await harness.order(plan: "trial")
            // A worker that crashed after claiming: its lease has already run out.
            let past = Date().addingTimeInterval(-120)
            let claimed = try await harness.store.claimWork(
                owner: "crashed-worker", now: past, leaseUntil: past.addingTimeInterval(60), limit: 10)
            #expect(claimed.map(\.id) == [order.id])
            try await withRunningWorker(harness) { worker in
                try await waitUntil([order.id], areIn: [.provisioned], store: harness.store)
                #expect(worker.owner == "worker-under-test")
            }
            #expect(harness.simulated.liveCount == 1)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func leavesUnpaidOrdersAlone() async throws {
        try await ServiceHarness.with { harness in
            let unpaid = try await harness.order(plan: "small")
            let free = try await harness.order(plan: "trial")
            try await withRunningWorker(harness) { _ in
                try await waitUntil([free.id], areIn: [.provisioned], store: harness.store)
            }
            #expect(try await harness.store.allocation(id: unpaid.id)?.state == .paymentRequired)
            #expect(harness.simulated.liveAllocationIDs == [free.id])
        }
    }
}

extension ProvisioningWorkerTests {
    @Test(.timeLimit(.minutes(1)))
    func gracefulShutdownLetsInFlightProvisioningFinishAndCommit() async throws {
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let (gate, gateContinuation) = AsyncStream.makeStream(of: Void.self)
        try await ServiceHarness.with(
            wrapBackend: { GatedProvisioner($0, started: startedContinuation, gate: gate) }
        ) { harness in
            let order = try await harness.order(plan: "trial")
            let worker = ProvisioningWorker(
                store: harness.store, provisioning: harness.provisioning, configuration: harness.configuration.worker,
                signal: harness.signal, logger: harness.logger, owner: "worker-shutting-down")
            let group = ServiceGroup(
                services: [worker], gracefulShutdownSignals: [], cancellationSignals: [], logger: harness.logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var startedIterator = started.makeAsyncIterator()
                _ = await startedIterator.next()  // the backend call is in flight
                await group.triggerGracefulShutdown()
                gateContinuation.yield()  // let the backend answer only after shutdown began
                try await tasks.waitForAll()  // the worker returns only once its work is committed
            }
            let record = try #require(try await harness.store.allocation(id: order.id))
            #expect(record.state == .provisioned)
            #expect(record.leaseOwner == nil)
            #expect(try await harness.store.unfinishedJournalEntries().isEmpty)
        }
    }
}

private struct WorkerTestTimeout: Error, CustomStringConvertible {
    var description: String
}
