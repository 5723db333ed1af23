import Foundation
import GRDB
import Synchronization

/// The SQLite store's one writer, with group commit (DESIGN.md section 8, "Commits").
///
/// Every write of the store is one item: a closure that runs in its own savepoint. Items that are
/// ready while a commit is under way are run together in the next transaction, so concurrent
/// writers share one commit (and one fsync with `synchronous=FULL`). A caller is answered only
/// after the transaction that carries its item committed; an item that throws rolls back to its
/// savepoint and fails alone, its neighbours commit. When the commit itself fails, every item of
/// the batch fails with that error and nothing of it is stored.
final class GroupCommitWriter: Sendable {
    /// The GRDB connection(s) underneath: reads go straight to it, writes through the batch.
    let database: any DatabaseWriter
    /// The most items one transaction carries.
    let maxBatch: Int

    /// What was committed so far: store items (logical transactions) and real commits.
    struct Counts: Sendable, Equatable {
        /// Items committed that wrote something (each a store method's one transaction, a
        /// savepoint inside a batch).
        var transactions = 0
        /// SQLite transactions committed that wrote something (each one fsync of the WAL with
        /// `synchronous=FULL`).
        var commits = 0
    }

    private struct Item: Sendable {
        /// Runs the item in its savepoint and keeps its result (or error) for `finish`; whether it
        /// wrote anything (a failed item rolled back to its savepoint and wrote nothing).
        var run: @Sendable (Database) -> Bool
        /// Answers the caller: with the batch's commit error, or with what `run` kept.
        var finish: @Sendable ((any Error)?) -> Void
    }

    private struct Queue {
        var items: [Item] = []
        var draining = false
    }

    private let queue = Mutex(Queue())
    private let counts = Mutex(Counts())

    init(database: any DatabaseWriter, maxBatch: Int = 512) {
        self.database = database
        self.maxBatch = max(1, maxBatch)
    }

    /// What was committed so far.
    var committed: Counts { counts.withLock { $0 } }

    /// Runs `updates` in the next batch; returns its result once that batch committed.
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let outcome = Mutex<Result<T, any Error>?>(nil)
            let item = Item(
                run: { db in
                    do {
                        var value: T?
                        let changesBefore = db.totalChangesCount
                        try db.inSavepoint {
                            value = try updates(db)
                            return .commit
                        }
                        outcome.withLock { $0 = .success(value!) }
                        return db.totalChangesCount > changesBefore
                    } catch {
                        outcome.withLock { $0 = .failure(error) }
                        return false
                    }
                },
                finish: { commitError in
                    if let commitError {
                        continuation.resume(throwing: commitError)
                    } else {
                        let result =
                            outcome.withLock { $0 }
                            ?? .failure(StoreError.unavailable("a grouped write was never run"))
                        continuation.resume(with: result)
                    }
                })
            let startDrain = queue.withLock { queue -> Bool in
                queue.items.append(item)
                guard !queue.draining else { return false }
                queue.draining = true
                return true
            }
            if startDrain { Task { await self.drain() } }
        }
    }

    /// Reads from the database (concurrently with writes, in WAL mode).
    func read<T: Sendable>(_ value: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await database.read(value)
    }

    /// Reads with one statement, outside a transaction: in WAL mode one SELECT sees one snapshot
    /// on its own, so this skips the BEGIN/COMMIT pair (each compiled anew) that ``read(_:)`` puts
    /// around it. `statement` must run exactly one statement; two would not see the same snapshot.
    func readOneStatement<T: Sendable>(_ statement: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await database.unsafeRead(statement)
    }

    /// Commits batches until none is waiting.
    private func drain() async {
        while true {
            let batch = queue.withLock { queue -> [Item] in
                let batch = Array(queue.items.prefix(maxBatch))
                queue.items.removeFirst(batch.count)
                if batch.isEmpty { queue.draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                // Counted as the batch commits (before a reader can see its rows), taken back when
                // the commit fails. A transaction that changed nothing (a claim that found no
                // work) writes nothing to the WAL and is no durable commit.
                let counted = Mutex(Counts())
                do {
                    try await database.write { db in
                        let writing = batch.reduce(0) { $0 + ($1.run(db) ? 1 : 0) }
                        let batchCounts = Counts(transactions: writing, commits: writing > 0 ? 1 : 0)
                        counted.withLock { $0 = batchCounts }
                        counts.withLock {
                            $0.transactions += batchCounts.transactions
                            $0.commits += batchCounts.commits
                        }
                    }
                } catch {
                    let taken = counted.withLock { $0 }
                    counts.withLock {
                        $0.transactions -= taken.transactions
                        $0.commits -= taken.commits
                    }
                    throw error
                }
                for item in batch { item.finish(nil) }
            } catch {
                for item in batch { item.finish(error) }
            }
        }
    }
}
