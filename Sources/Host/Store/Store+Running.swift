public import ServiceLifecycle

/// Runs `body` while the store's background work runs, then stops that work.
///
/// A store with background work (``PostgresStore``: its connection pool) is a `Service`; this
/// runs it in a child task of a task group for exactly as long as `body` runs, so no store
/// outlives its caller's scope and no unstructured task is left behind. A store without
/// background work (``SQLiteStore``) just runs `body`.
///
/// - Parameters:
///   - store: The store `body` uses.
///   - body: Everything that uses the store, migrations included.
/// - Returns: What `body` returns.
public func withRunningStore<T: Sendable>(_ store: any Store, _ body: () async throws -> T) async throws -> T {
    guard let service = store as? any Service else { return try await body() }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await service.run() }
        defer { group.cancelAll() }
        return try await body()
    }
}
