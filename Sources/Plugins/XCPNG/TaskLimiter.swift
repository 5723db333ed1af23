/// A counting semaphore for async work: at most `limit` bodies run at once; the rest wait in
/// FIFO order (a burst queues rather than failing).
actor TaskLimiter {
    private let limit: Int
    private var running = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        precondition(limit > 0, "a task limit must be positive")
        self.limit = limit
    }

    /// Runs `body` once a slot is free.
    nonisolated func withSlot<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        do {
            let value = try await body()
            await release()
            return value
        } catch {
            await release()
            throw error
        }
    }

    private func acquire() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }  // the releaser hands its slot over
    }

    private func release() {
        if waiters.isEmpty {
            running -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
