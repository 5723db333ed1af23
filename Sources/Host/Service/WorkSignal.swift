import Synchronization

/// Wakes the provisioning worker early when new work was committed. Only a hint: the worker also
/// polls the store, which is the source of truth.
public final class WorkSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        /// Whether work was committed for the worker to claim from the store since it last looked.
        var pollRequested = false
    }

    // The pending flag and the one waiter; guarded by this Mutex.
    private let state = Mutex(State())

    /// Work handed straight to this process's worker by the commit that claimed it.
    public let handOffs = WorkHandOffs()

    public init() {}

    /// Work was committed for the worker to claim from the store: wakes it to look.
    public func notify() {
        state.withLock { $0.pollRequested = true }
        wake()
    }

    /// Whether ``notify()`` was called since the last time this was asked; clears it.
    func takePollRequest() -> Bool {
        state.withLock { state in
            defer { state.pollRequested = false }
            return state.pollRequested
        }
    }

    /// Wakes the waiter (or makes the next wait return at once) without asking it to look in the
    /// store: a hand-off was delivered, or a slot freed.
    public func wake() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when notified or woken, when `timeout` passes, or when the task is cancelled;
    /// `true` when the timeout passed.
    @discardableResult
    public func wait(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.waitForNotification()
                return false
            }
            group.addTask {
                (try? await Task.sleep(for: timeout)) != nil
            }
            let timedOut = await group.next() ?? false
            group.cancelAll()
            return timedOut
        }
    }

    private func waitForNotification() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
