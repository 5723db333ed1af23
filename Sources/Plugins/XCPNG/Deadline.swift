import ProvisionerAPI

/// Runs `body`, failing with `timeout` when it takes longer than `limit`; `body` is cancelled then.
func withDeadline<T: Sendable>(
    _ limit: Duration, what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw ProvisionerError.timeout("\(what) did not finish within \(limit)")
        }
        return value
    }
}
