import Foundation
import Host
import ProvisionerAPI
import Testing

/// The SQLite store's group commit (DESIGN.md section 8, "Commits"): concurrent transactions share
/// commits, each caller is answered after its own transaction committed, and one failing
/// transaction does not fail the others of its batch.
struct GroupCommitTests {
    @Test(.timeLimit(.minutes(1)))
    func concurrentTransactionsShareCommitsAndEachIsDurableWhenAnswered() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("store.sqlite").path
            let store = try SQLiteStore(path: path, synchronous: "full")
            try await store.migrate()
            let before = store.commitCounts
            let records = (0..<200).map { StoreFixture.order(id: "vm-\($0)", paid: false) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for record in records {
                    group.addTask {
                        try await StoreFixture.insert(record, into: store)
                        // Answered: a second connection (what another process would see) reads it.
                        let reader = try SQLiteStore(path: path)
                        let stored = try await reader.allocation(id: record.id)
                        try await reader.close()
                        #expect(stored?.id == record.id)
                    }
                }
                try await group.waitForAll()
            }
            let counts = store.commitCounts.since(before)
            #expect(counts.transactions == 200)
            #expect(counts.commits >= 1)
            #expect(counts.commits < counts.transactions, "no two of 200 concurrent inserts shared a commit: \(counts)")
            try await store.close()
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aFailingTransactionDoesNotFailItsBatch() async throws {
        try await withMigratedDiskStore { store in
            let existing = try await StoreFixture.insert(StoreFixture.order(id: "vm-taken", paid: false), into: store)
            // Many inserts at once, some of them duplicates of a stored id (a primary key violation
            // inside the batch they share with the good ones).
            let outcomes = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let id = index % 10 == 0 ? existing.id : "vm-\(index)"
                        var record = StoreFixture.order(id: id, paid: false)
                        record.idempotencyKey = nil
                        do {
                            _ = try await store.insertOrder(
                                record, maxActivePaid: 0, audit: StoreFixture.audit("order.created", record))
                            return (id, true)
                        } catch {
                            return (id, false)
                        }
                    }
                }
                var outcomes: [(String, Bool)] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            for (id, succeeded) in outcomes {
                #expect(succeeded == (id != existing.id), "\(id)")
                let stored = try await store.allocation(id: id)
                #expect(stored != nil, "\(id)")
            }
            // The failed duplicates wrote nothing: not even their audit events.
            #expect(try await store.auditEvents(allocationID: existing.id).count == 1)
            #expect(try await store.allocations(matching: AllocationFilter(), limit: 1000, offset: 0).count == 91)
        }
    }
}
