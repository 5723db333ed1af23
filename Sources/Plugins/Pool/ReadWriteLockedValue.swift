#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value behind a reader-writer lock: readers never block each other, a writer replaces the
/// value in one step (after swift-log's `RWLockedValueBox`).
///
/// The reader closure gets a copy; the writer gets `inout`. Do no I/O inside either closure.
final class ReadWriteLockedValue<Value: Sendable>: @unchecked Sendable {
    // `value` is only touched while `lock` is held (read or write), which makes the class Sendable.
    private var value: Value
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init(_ value: Value) {
        self.value = value
        lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        let result = pthread_rwlock_init(lock, nil)
        precondition(result == 0, "pthread_rwlock_init failed: \(result)")
    }

    deinit {
        let result = pthread_rwlock_destroy(lock)
        precondition(result == 0, "pthread_rwlock_destroy failed: \(result)")
        lock.deinitialize(count: 1)
        lock.deallocate()
    }

    /// Runs `body` with a copy of the value under the read lock.
    func withReadLock<Result>(_ body: (Value) throws -> Result) rethrows -> Result {
        let result = pthread_rwlock_rdlock(lock)
        precondition(result == 0, "pthread_rwlock_rdlock failed: \(result)")
        defer {
            let result = pthread_rwlock_unlock(lock)
            precondition(result == 0, "pthread_rwlock_unlock failed: \(result)")
        }
        return try body(value)
    }

    /// Runs `body` with the value under the write lock.
    func withWriteLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        let result = pthread_rwlock_wrlock(lock)
        precondition(result == 0, "pthread_rwlock_wrlock failed: \(result)")
        defer {
            let result = pthread_rwlock_unlock(lock)
            precondition(result == 0, "pthread_rwlock_unlock failed: \(result)")
        }
        return try body(&value)
    }
}
