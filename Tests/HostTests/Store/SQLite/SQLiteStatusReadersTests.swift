import Foundation
import GRDB
import ProvisionerAPI
import Testing

@testable import Host

/// The public status read on a file store is served by the store's own connections, sees every
/// commit at once, and falls back to GRDB when it cannot serve.
struct SQLiteStatusReadersTests {
    @Test(.timeLimit(.minutes(1)))
    func theStatusConnectionsServeTheReadAndSeeEachCommit() async throws {
        let (readers, id) = try await withMigratedDiskStore { store in
            let readers = try #require(store.statusReaders)
            let order = try await StoreFixture.insert(StoreFixture.order(paid: false), into: store)
            let stored = try #require(try await store.allocation(id: order.id))

            let first = readers.read(id: order.id, SQLiteStore.publicStatus(row:))
            #expect(first == .some(PublicStatusRecord(stored)), "the status connections did not serve the read")
            // A connection keeps no snapshot between reads: the next commit is seen at once.
            try await StoreFixture.move(order.id, from: [order.state], .state(.provisioning), in: store)
            let moved = try #require(try await store.allocation(id: order.id))
            #expect(moved.state == .provisioning)
            #expect(readers.read(id: order.id, SQLiteStore.publicStatus(row:)) == .some(PublicStatusRecord(moved)))
            #expect(try await store.publicStatus(id: order.id) == PublicStatusRecord(moved))
            #expect(readers.read(id: "vm-nope", SQLiteStore.publicStatus(row:)) == .some(nil))

            // Many reads at once: those beyond the connections go through GRDB, all answer.
            let statuses = try await withThrowingTaskGroup(of: PublicStatusRecord?.self) { group in
                for _ in 0..<200 { group.addTask { try await store.publicStatus(id: order.id) } }
                return try await group.reduce(into: [PublicStatusRecord?]()) { $0.append($1) }
            }
            #expect(statuses.count == 200 && statuses.allSatisfy { $0 == PublicStatusRecord(moved) })
            return (readers, order.id)
        }
        // The store is closed now.
        #expect(readers.read(id: id, SQLiteStore.publicStatus(row:)) == nil, "a closed store read")
    }

    @Test(.timeLimit(.minutes(1)))
    func aRowTheStatusConnectionsCannotDecodeIsReadThroughGRDBAndFailsThere() async throws {
        try await withMigratedDiskStore { store in
            let order = try await StoreFixture.insert(StoreFixture.order(paid: true), into: store)
            try await store.writer.write { db in
                try db.execute(sql: "UPDATE allocations SET state = 'exploded' WHERE id = ?", arguments: [order.id])
            }
            #expect(store.statusReaders?.read(id: order.id, SQLiteStore.publicStatus(row:)) == nil)
            await #expect(throws: (any Error).self) { try await store.publicStatus(id: order.id) }
        }
    }
}
