import ProvisionerAPI

/// Runs `body`, cancelling it and throwing `deadline_exceeded` when it takes longer than `limit`.
/// `body` must honour cancellation (every backend call does: it is an `async` network call).
func withDeadline<T: Sendable>(
    _ limit: Duration, operation: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw ProvisionerError(
                code: .deadlineExceeded, isRetryable: false,
                customerMessage: "Setting up your machine took too long and was stopped.",
                operatorDetail: "backend \(operation) exceeded its deadline of \(limit)")
        }
        return value
    }
}
