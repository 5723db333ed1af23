import FakeXAPI
import Foundation
import Host
import Logging
import ProvisionerAPI
import Testing
import XCPNGProvisioner

/// Failure 1 of the lifecycle issue: two attempts ran `allocate` for one allocation at once, and a
/// failing one tore down the VM the other had delivered. Against a real XAPI wire (fake-xapi),
/// with slow guest agents and short leases.
@Suite(.timeLimit(.minutes(2)))
struct FencedLeaseTests {
    static let logger = Logger(label: "test.fenced", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A backend on the fake, as a separate replica would have it (its own session and serializer).
    static func backend(port: Int) -> XCPNGProvisioner {
        XCPNGProvisioner(
            configuration: XCPNGProvisionerConfiguration(
                url: XAPIEndpoint(scheme: "http", host: "127.0.0.1", port: port), template: "debian-12-cloud",
                network: "pool-net", ipWaitTimeoutSeconds: 20, callTimeoutSeconds: 5, taskTimeoutSeconds: 10,
                pollIntervalMilliseconds: 20),
            username: "root", password: "secret", logger: logger)
    }

    static func service(_ store: any Store, _ backend: any Provisioner, leaseSeconds: TimeInterval)
        -> ProvisioningService
    {
        ProvisioningService(
            store: store, backend: backend, plans: HostConfiguration().plans, metrics: ServiceMetrics(),
            teardownBaseDelay: .milliseconds(1), leaseSeconds: leaseSeconds)
    }

    static func order(_ store: any Store) async throws -> AllocationRecord {
        let record = AllocationRecord(
            id: "vm-fenced-\(UUID().uuidString.lowercased())", userID: "alice",
            plan: HostConfiguration().plans["trial"]!, backend: "xcpng", isDemo: false, hostname: nil, sshKeys: [],
            openPorts: [], metadata: [:], idempotencyKey: nil, requestFingerprint: nil, now: Date())
        let audit = AuditEvent(
            at: Date(), kind: "order.created", allocationID: record.id, userID: "alice", actor: "test", requestID: nil)
        _ = try await store.insertOrder(record, maxActivePaid: 0, audit: audit)
        return record
    }

    /// The non-template VMs on the fake.
    static func vms(_ fake: FakeXAPI) -> [FakeXAPISnapshot.VM] { fake.snapshot().vms.filter { !$0.isTemplate } }

    /// Waits, by polling, until `condition` holds or `timeout` passes (60 s: the slow-allocate test
    /// takes ~35 s in a loaded CI run for its 9 s allocate, and once timed out at 30).
    static func waitUntil(
        _ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while try await !condition() {
            guard clock.now < deadline else { throw FencedTestTimeout(description: "timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    struct FencedTestTimeout: Error, CustomStringConvertible { var description: String }

    /// Two workers (two replicas) poll one store; the allocate takes 9 s against a 6 s lease. The
    /// holder renews its lease, so the other never starts a second attempt.
    @Test func aSlowAllocateThatOutlivesItsLeaseIsRenewedAndDeliversOneVM() async throws {
        let fake = FakeXAPI(
            options: FakeXAPIOptions(guestMetricsDelay: .milliseconds(9000), startDuration: .milliseconds(20)))
        try await FakeXAPIServer.withRunning(fake) { port in
            let store = try SQLiteStore(path: ":memory:")
            try await store.migrate()
            let record = try await Self.order(store)
            var configuration = WorkerConfiguration()
            configuration.leaseSeconds = 6
            configuration.concurrency = 1
            configuration.pollIntervalMilliseconds = 20
            let backends = [Self.backend(port: port), Self.backend(port: port)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, backend) in backends.enumerated() {
                    let worker = ProvisioningWorker(
                        store: store, provisioning: Self.service(store, backend, leaseSeconds: 6),
                        configuration: configuration, signal: WorkSignal(), logger: Self.logger,
                        owner: "replica-\(index)/worker")
                    group.addTask { try await worker.run() }
                }
                try await Self.waitUntil("the allocation to be provisioned") {
                    try await store.allocation(id: record.id)?.state == .provisioned
                }
                group.cancelAll()
            }
            let after = try #require(try await store.allocation(id: record.id))
            let vms = Self.vms(fake)
            #expect(vms.count == 1)
            #expect(vms.first?.uuid == after.vm?.backendRef)
            #expect(vms.first?.powerState == "Running")
            // One claim, one attempt, nothing superseded or torn down.
            #expect(after.leaseEpoch == 1)
            let journal = try await store.journalEntries(allocationID: record.id)
            #expect(journal.map(\.operation) == [.allocate])
            #expect(journal.map(\.outcome) == ["succeeded"])
            for backend in backends { await backend.shutdown() }
            try await store.close()
        }
    }

    /// A holder that stopped renewing (a stalled process) loses its lease; another attempt takes
    /// over, supersedes it and delivers. When the stale attempt then fails, its writes are refused
    /// and it tears nothing down: the delivered VM survives.
    @Test func aStaleAttemptThatFailsAfterAnotherTookOverTearsNothingDown() async throws {
        let fake = FakeXAPI(
            options: FakeXAPIOptions(guestMetricsDelay: .milliseconds(1500), startDuration: .milliseconds(20)))
        try await FakeXAPIServer.withRunning(fake) { port in
            let store = try SQLiteStore(path: ":memory:")
            try await store.migrate()
            let record = try await Self.order(store)
            let stale = Self.backend(port: port)
            let fresh = Self.backend(port: port)
            // A claims with a 1 s lease but would renew only every 100 s: it stalls past its lease.
            let a = try #require(
                try await store.claimWork(
                    owner: "replica-a/worker", now: Date(), leaseUntil: Date().addingTimeInterval(1), limit: 1
                ).first)
            async let staleRun: Void = Self.service(store, stale, leaseSeconds: 300).process(a, logger: Self.logger)
            try await Self.waitUntil("A's clone to be started") {
                Self.vms(fake).contains { $0.powerState == "Running" }
            }
            // B claims once A's lease expired (a new epoch) and works the allocation.
            var claimed: [AllocationRecord] = []
            try await Self.waitUntil("A's lease to expire") {
                claimed = try await store.claimWork(
                    owner: "replica-b/worker", now: Date(), leaseUntil: Date().addingTimeInterval(30), limit: 1)
                return !claimed.isEmpty
            }
            let b = try #require(claimed.first)
            #expect(b.leaseEpoch == a.leaseEpoch + 1)
            let delivered = try await Self.service(store, fresh, leaseSeconds: 30).work(
                on: b, actor: "test", logger: Self.logger)
            #expect(delivered.state == .provisioned)
            await staleRun  // A failed (B's supersede removed its clone) and was refused

            let after = try #require(try await store.allocation(id: record.id))
            #expect(after.state == .provisioned)
            #expect(after.vm?.attempt == b.leaseEpoch)
            let vms = Self.vms(fake)
            #expect(vms.count == 1, "\(vms.map(\.otherConfig))")
            #expect(vms.first?.uuid == after.vm?.backendRef)
            #expect(vms.first?.powerState == "Running")
            #expect(vms.first?.otherConfig[XCPNGProvisioner.attemptKey] == String(b.leaseEpoch))
            let kinds = try await store.lifecycleEvents(allocationID: record.id).map(\.kind)
            #expect(kinds.contains("attempt_superseded"))
            #expect(kinds.contains("lease_lost"))
            #expect(try await store.unfinishedJournalEntries().isEmpty)
            await stale.shutdown()
            await fresh.shutdown()
            try await store.close()
        }
    }
}
