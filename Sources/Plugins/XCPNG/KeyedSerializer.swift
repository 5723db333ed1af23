/// Runs the bodies given for one key one after another (bodies for different keys overlap), so
/// two calls for one allocation id never race to create two VMs.
actor KeyedSerializer {
    private var busy: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// Runs `body` once no other body for `key` is running.
    nonisolated func run<T: Sendable>(_ key: String, _ body: () async throws -> T) async throws -> T {
        await enter(key)
        do {
            let value = try await body()
            await leave(key)
            return value
        } catch {
            await leave(key)
            throw error
        }
    }

    private func enter(_ key: String) async {
        if busy.insert(key).inserted { return }
        await withCheckedContinuation { waiters[key, default: []].append($0) }  // handed over by leave
    }

    private func leave(_ key: String) {
        if var queue = waiters[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[key] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            busy.remove(key)
        }
    }
}
