import Foundation
import Host
import ProvisionerAPI
import Testing

struct StoreJournalTests {
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func journalIsBegunAndFinishedWithinTransitions(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let order = try await StoreFixture.insert(StoreFixture.order(id: "vm-j", paid: false), into: store)
            let entry = JournalEntry(
                allocationID: order.id, backend: "simulated", operation: .allocate, startedAt: Date())
            var begin = AllocationChange.state(.provisioning)
            begin.incrementAttempts = true
            let started = try await StoreFixture.move(order.id, from: [.paid], begin, journal: .begin(entry), in: store)
            #expect(started.attempts == 1)

            let unfinished = try await store.unfinishedJournalEntries()
            #expect(unfinished.map(\.opID) == [entry.opID])
            let open = try #require(unfinished.first)
            #expect(open.allocationID == "vm-j")
            #expect(open.backend == "simulated")
            #expect(open.operation == .allocate)
            #expect(open.step == "started")
            #expect(open.finishedAt == nil)
            #expect(open.outcome == nil)
            #expect(abs(open.startedAt.timeIntervalSince(entry.startedAt)) < 0.001)

            try await StoreFixture.move(
                order.id, from: [.provisioning], .state(.provisioned),
                journal: .finish(opID: entry.opID, outcome: "succeeded"), in: store)
            #expect(try await store.unfinishedJournalEntries().isEmpty)
            let entries = try await store.journalEntries(allocationID: "vm-j")
            #expect(entries.map(\.opID) == [entry.opID])
            #expect(entries.first?.step == "finished")
            #expect(entries.first?.outcome == "succeeded")
            #expect(entries.first?.finishedAt != nil)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aRefusedTransitionBeginsNoJournalEntry(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let order = try await StoreFixture.insert(StoreFixture.order(id: "vm-r"), into: store)
            let entry = JournalEntry(
                allocationID: order.id, backend: "simulated", operation: .allocate, startedAt: Date())
            let outcome = try await store.transition(
                id: order.id, from: [.paid], change: .state(.provisioning), journal: .begin(entry), audit: [])
            #expect(outcome.matches(.stateConflict(order)))
            #expect(try await store.unfinishedJournalEntries().isEmpty)
            #expect(try await store.journalEntries(allocationID: order.id).isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aFailedJournalWriteRollsBackTheRowChange(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let order = try await StoreFixture.insert(StoreFixture.order(id: "vm-atomic", paid: false), into: store)
            let entry = JournalEntry(
                allocationID: order.id, backend: "simulated", operation: .allocate, startedAt: Date())
            var begin = AllocationChange.state(.provisioning)
            begin.incrementAttempts = true
            let started = try await StoreFixture.move(order.id, from: [.paid], begin, journal: .begin(entry), in: store)
            // The same op id again violates the journal's primary key: the whole transaction must roll back.
            await #expect(throws: (any Error).self) {
                try await store.transition(
                    id: order.id, from: [.provisioning], change: begin, journal: .begin(entry),
                    audit: [StoreFixture.audit("provision.started", order)])
            }
            #expect(started.matches(try await store.allocation(id: order.id)))
            #expect(try await store.auditEvents(allocationID: order.id).map(\.kind) == ["order.created"])
            #expect(try await store.journalEntries(allocationID: order.id).count == 1)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func unfinishedEntriesSpanAllocations(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var opened: [String] = []
            for index in 0..<3 {
                let order = try await StoreFixture.insert(
                    StoreFixture.order(id: "vm-\(index)", paid: false), into: store)
                let entry = JournalEntry(
                    allocationID: order.id, backend: "simulated", operation: .allocate,
                    startedAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(index)))
                try await StoreFixture.move(
                    order.id, from: [.paid], .state(.provisioning), journal: .begin(entry), in: store)
                opened.append(entry.opID)
            }
            #expect(try await store.unfinishedJournalEntries().map(\.opID) == opened)
            try await StoreFixture.move(
                "vm-1", from: [.provisioning], .state(.failed), journal: .finish(opID: opened[1], outcome: "failed"),
                in: store)
            #expect(try await store.unfinishedJournalEntries().map(\.opID) == [opened[0], opened[2]])
        }
    }

    /// Five distinct audit kinds, appended in this order.
    static let steps = [
        "release.requested", "release.started", "release.failed", "release.completed", "provision.retry_requested",
    ]

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func auditEventsAreKeptInOrder(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let order = try await StoreFixture.insert(StoreFixture.order(id: "vm-a", user: "ua"), into: store)
            try await store.appendAudit(Self.steps.map { StoreFixture.audit($0, order) })
            var pay = AllocationChange.state(.paid)
            pay.paymentStatus = .paid
            _ = try await store.transition(
                id: order.id, from: [.paymentRequired], change: pay, journal: nil,
                audit: [StoreFixture.audit("payment.recorded", order), StoreFixture.audit("provision.started", order)])
            try await store.appendAudit([
                AuditEvent(
                    at: Date(), kind: "dashboard.link_issued", allocationID: nil, userID: "ua", actor: "admin",
                    requestID: "req-1",
                    detail: "operator text")
            ])

            let events = try await store.auditEvents(allocationID: "vm-a")
            let expected = ["order.created"] + Self.steps + ["payment.recorded", "provision.started"]
            #expect(events.map(\.kind) == expected)
            let ids = events.compactMap(\.id)
            #expect(ids.count == events.count)
            #expect(ids == ids.sorted())
            #expect(Set(ids).count == ids.count)

            // Newest first, paged by id.
            let page1 = try await store.auditEvents(matching: AuditFilter(userID: "ua"), limit: 4, beforeID: nil)
            #expect(
                page1.map(\.kind) == ["dashboard.link_issued", "provision.started", "payment.recorded", Self.steps[4]])
            #expect(page1.first?.detail == "operator text")
            #expect(page1.first?.requestID == "req-1")
            let page2 = try await store.auditEvents(
                matching: AuditFilter(userID: "ua"), limit: 4, beforeID: page1.last?.id)
            #expect(page2.map(\.kind) == Self.steps.prefix(4).reversed())
            let byKind = try await store.auditEvents(
                matching: AuditFilter(kind: Self.steps[2]), limit: 10, beforeID: nil)
            #expect(byKind.map(\.kind) == [Self.steps[2]])
            let byAllocation = try await store.auditEvents(
                matching: AuditFilter(allocationID: "vm-a"), limit: 100, beforeID: nil)
            #expect(byAllocation.map(\.kind) == expected.reversed())
        }
    }
}
