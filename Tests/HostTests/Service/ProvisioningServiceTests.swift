import Foundation
import Host
import ProvisionerAPI
import SimulatedProvisioner
import Testing

struct ProvisioningServiceTests {
    @Test(.timeLimit(.minutes(1)))
    func provisionDeliversTheVMWithChecksNotRun() async throws {
        try await ServiceHarness.with { harness in
            let order = try await harness.order(plan: "trial")
            let record = try await harness.provisioning.provision(order, requestID: "req-p", logger: harness.logger)
            #expect(record.state == .provisioned)
            #expect(record.customerMessage == CustomerMessages.text(for: .provisioned))
            let vm = try #require(record.vm)
            #expect(vm.allocationID == order.id)
            #expect(vm.backend == "simulated")
            #expect(vm.backendRef?.hasPrefix("sim-") == true)
            #expect(vm.ipv6?.hasPrefix("2001:db8::") == true)
            #expect(vm.sshPort == 22)
            #expect(record.provisionedAt != nil)
            #expect(record.attempts == 1)
            #expect(record.leaseOwner == nil)
            #expect(record.failureCode == nil)
            #expect(record.rollbackAvailable == false)
            // A launch check is never inferred from the state.
            #expect(record.dnsAAAA == .notRun)
            #expect(record.sshSmoke == .notRun)
            #expect(record.dnsCheckedAt == nil)
            #expect(record.sshCheckedAt == nil)

            #expect(record.matches(try await harness.store.allocation(id: order.id)))
            #expect(harness.simulated.liveAllocationIDs == [order.id])
            #expect(try await harness.store.unfinishedJournalEntries().isEmpty)
            let journal = try await harness.store.journalEntries(allocationID: order.id)
            #expect(journal.map(\.operation) == [.allocate])
            #expect(journal.map(\.outcome) == ["succeeded"])
            let events = try await harness.store.auditEvents(allocationID: order.id)
            #expect(events.map(\.kind) == ["order.created", "provision.started", "provision.succeeded"])
            #expect(events.last?.requestID == "req-p")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func failingBackendRollsBackWithASafeCustomerMessage() async throws {
        try await ServiceHarness.with(simulated: .init(provisionDelayMilliseconds: 0, failureRate: 1.0)) { harness in
            let order = try await harness.order(plan: "trial")
            let record = try await harness.provisioning.provision(order, logger: harness.logger)
            #expect(record.state == .rolledBack)
            #expect(record.rollbackAvailable)
            #expect(record.failureCode == ProvisionerError.Code.backendUnavailable.rawValue)
            #expect(record.vm == nil)
            let operatorMessage = try #require(record.operatorMessage)
            #expect(operatorMessage.contains("simulated allocate failure"))

            let customerTexts = Set(LaunchProofStatus.allCases.map(CustomerMessages.text(for:)))
            #expect(customerTexts.contains(record.customerMessage))
            #expect(record.customerMessage == CustomerMessages.text(for: .rolledBack))
            #expect(!record.customerMessage.contains(operatorMessage))
            #expect(!record.customerMessage.contains("simulated"))
            #expect(!record.customerMessage.contains("failure_rate"))

            #expect(harness.simulated.liveCount == 0)
            #expect(try await harness.store.unfinishedJournalEntries().isEmpty)
            // The attempt and its rollback are journaled as two entries, both closed.
            let journal = try await harness.store.journalEntries(allocationID: order.id)
            #expect(journal.map(\.operation) == [.allocate, .teardown])
            #expect(journal.map(\.outcome) == ["failed", "succeeded"])
            #expect(journal.map(\.attempt) == [order.leaseEpoch, order.leaseEpoch])
            let kinds = try await harness.store.auditEvents(allocationID: order.id).map(\.kind)
            #expect(kinds.contains("provision.failed"))
            #expect(kinds.contains("teardown.succeeded"))
            #expect(!record.teardownPending)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func releaseReleasesTheVM() async throws {
        try await ServiceHarness.with { harness in
            let order = try await harness.order(plan: "trial")
            try await harness.provisioning.provision(order, logger: harness.logger)
            #expect(harness.simulated.liveCount == 1)

            let releasing = try await harness.orders.requestRelease(
                id: order.id, requestID: nil, logger: harness.logger)
            #expect(releasing.state == .releasing)
            #expect(releasing.releaseRequested)
            let released = try await harness.provisioning.work(on: releasing, actor: "test", logger: harness.logger)
            #expect(released.state == .released)
            #expect(released.releasedAt != nil)
            #expect(released.customerMessage == CustomerMessages.text(for: .released))
            #expect(harness.simulated.liveCount == 0)
            let journal = try await harness.store.journalEntries(allocationID: order.id)
            #expect(journal.map(\.operation) == [.allocate, .release])
            #expect(journal.allSatisfy { $0.finishedAt != nil })
            #expect(try await harness.store.auditEvents(allocationID: order.id).map(\.kind).last == "release.completed")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func processReleasesAVMWhoseReleaseWasRequestedDuringProvisioning() async throws {
        try await ServiceHarness.with { harness in
            let order = try await harness.order(plan: "trial")
            // The release request lands while the order is still queued.
            let requested = try await harness.orders.requestRelease(
                id: order.id, requestID: nil, logger: harness.logger)
            #expect(requested.state == .paid)
            #expect(requested.releaseRequested)
            var started = AllocationChange.state(.provisioning)
            started.incrementAttempts = true
            guard
                case .applied(let provisioning) = try await harness.store.transition(
                    id: order.id, from: [.paid], change: started, journal: nil, audit: [])
            else {
                Issue.record("could not move the order to provisioning")
                return
            }
            await harness.provisioning.process(provisioning, logger: harness.logger)
            let record = try #require(try await harness.store.allocation(id: order.id))
            #expect(record.state == .released)
            #expect(harness.simulated.liveCount == 0)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func releaseRequestedWhilePaidCancelsWithoutCallingTheBackend() async throws {
        try await ServiceHarness.with(wrapBackend: { CountingProvisioner($0) }) { harness in
            let order = try await harness.order(plan: "small")
            let paid = try await harness.orders.recordPayment(
                id: order.id, status: "paid", reference: nil, requestID: nil, logger: harness.logger)
            let requested = try await harness.orders.requestRelease(id: paid.id, requestID: nil, logger: harness.logger)
            #expect(requested.state == .paid)
            #expect(requested.releaseRequested)

            let record = try await harness.provisioning.provision(requested, logger: harness.logger)
            #expect(record.state == .released)
            #expect(record.vm == nil)
            let backend = try #require(harness.backend as? CountingProvisioner)
            #expect(backend.allocateCalls == 0)
            #expect(backend.releaseCalls == 0)
            #expect(try await harness.store.journalEntries(allocationID: order.id).isEmpty)
            #expect(try await harness.store.auditEvents(allocationID: order.id).map(\.kind).last == "order.cancelled")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func failedFinalizeTearsTheVMDownAndThrowsProvisionFailed() async throws {
        try await ServiceHarness.with(wrapStore: { FinalizeFailingStore(base: $0) }) { harness in
            let order = try await harness.order(plan: "trial")
            let error = try await #require(throws: ProvisionerError.self) {
                try await harness.provisioning.provision(order, requestID: "req-f", logger: harness.logger)
            }
            #expect(error.code == .provisionFailed)
            #expect(error.isRetryable)
            #expect(!error.customerMessage.contains("injected"))

            // Nothing is left behind on the backend.
            #expect(harness.simulated.liveCount == 0)

            let events = try await harness.sqlite.auditEvents(allocationID: order.id)
            let failure = try #require(events.first { $0.kind == "provision.persistence_failed" })
            #expect(failure.requestID == "req-f")
            let kinds = events.map(\.kind)
            #expect(kinds.firstIndex(of: "teardown.succeeded")! > kinds.firstIndex(of: "provision.persistence_failed")!)

            let record = try #require(try await harness.sqlite.allocation(id: order.id))
            #expect(record.state == .failed)
            #expect(record.failureCode == ProvisionerError.Code.provisionFailed.rawValue)
            #expect(record.rollbackAvailable)
            #expect(record.deletedAt != nil)
            #expect(record.vm == nil)
            #expect(try await harness.sqlite.unfinishedJournalEntries().isEmpty)
            #expect(
                try await harness.sqlite.journalEntries(allocationID: order.id).map(\.outcome) == [
                    "persistence_failed", "succeeded",
                ])
        }
    }

    /// DESIGN.md section 7: every path that calls `allocate` goes through one function.
    @Test func allocateHasExactlyOneCallSite() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Service
            .deletingLastPathComponent()  // HostTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
        var hits: [String] = []
        var scanned = 0
        for folder in ["Sources/Host", "Sources/ProvisionerCLI"] {
            let directory = root.appendingPathComponent(folder)
            let enumerator = try #require(FileManager.default.enumerator(atPath: directory.path))
            for case let relative as String in enumerator where relative.hasSuffix(".swift") {
                scanned += 1
                let text = try String(contentsOf: directory.appendingPathComponent(relative), encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let code = line.trimmingCharacters(in: .whitespaces)
                    guard !code.hasPrefix("//") else { continue }
                    if code.range(of: #"\.allocate\s*\("#, options: .regularExpression) != nil {
                        hits.append("\(folder)/\(relative):\(number + 1)")
                    }
                }
            }
        }
        #expect(scanned > 10)
        #expect(hits.count == 1, "allocate call sites: \(hits)")
        #expect(hits.first?.hasPrefix("Sources/Host/Service/ProvisioningService+Effects.swift:") == true, "\(hits)")
    }
}
