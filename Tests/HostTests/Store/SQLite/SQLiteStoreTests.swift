import Foundation
import GRDB
import Host
import ProvisionerAPI
import Testing

struct SQLiteStoreTests {
    @Test(.timeLimit(.minutes(1)))
    func reopenedFileKeepsItsData() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("data/provisioner.sqlite").path
            let first = try SQLiteStore(path: path)
            try await first.migrate()
            let record = try await StoreFixture.insert(
                StoreFixture.order(id: "vm-keep", paid: false, idempotencyKey: "k-keep", fingerprint: "f"), into: first)
            let entry = JournalEntry(
                allocationID: record.id, backend: "simulated", operation: .allocate, startedAt: Date())
            try await StoreFixture.move(
                record.id, from: [.paid], .state(.provisioning), journal: .begin(entry), in: first)
            try await first.appendAudit([StoreFixture.audit("provision.started", record)])
            try await first.close()

            let second = try SQLiteStore(path: path)
            try await second.migrate()
            let reopened = try #require(try await second.allocation(id: "vm-keep"))
            #expect(reopened.state == .provisioning)
            #expect(reopened.userID == record.userID)
            #expect(try await second.allocation(idempotencyKey: "k-keep")?.id == "vm-keep")
            #expect(try await second.unfinishedJournalEntries().map(\.opID) == [entry.opID])
            #expect(
                try await second.auditEvents(allocationID: "vm-keep").map(\.kind) == [
                    "order.created", "provision.started",
                ])
            try await second.close()
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func createsTheStoreDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("a/b/c/store.sqlite").path
            let store = try SQLiteStore(path: path, synchronous: "normal")
            try await store.migrate()
            try await store.ping()
            try await store.close()
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func unusableDirectoryIsAStoreError() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("not-a-directory")
            try Data("x".utf8).write(to: file)
            #expect(throws: StoreError.self) {
                try SQLiteStore(path: file.appendingPathComponent("store.sqlite").path)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func wrapsAnInjectedWriter() async throws {
        let store = SQLiteStore(writer: try DatabaseQueue())
        try await store.migrate()
        try await StoreFixture.insert(StoreFixture.order(id: "vm-q"), into: store)
        #expect(try await store.allocation(id: "vm-q")?.state == .paymentRequired)
        try await store.close()
    }
}
