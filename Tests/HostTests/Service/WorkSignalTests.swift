import Host
import Testing

struct WorkSignalTests {
    private static let clock = ContinuousClock()
    /// Well under the 30 s timeouts the waits are given, so a wait that ended on its notification
    /// (or its own short timeout) is told apart from one that ran to 30 s. 10 s was too tight: in a
    /// loaded CI run the whole test process got no thread for ~10 s at the start, and a 50 ms
    /// wait measured 10.4 s.
    private static let notTheTimeout = Duration.seconds(25)

    /// How long `body` takes.
    private func elapsed(_ body: () async -> Void) async -> Duration {
        let start = Self.clock.now
        await body()
        return Self.clock.now - start
    }

    @Test(.timeLimit(.minutes(1)))
    func notifyBeforeWaitReturnsImmediately() async {
        let signal = WorkSignal()
        signal.notify()
        let took = await elapsed { await signal.wait(timeout: .seconds(30)) }
        #expect(took < Self.notTheTimeout)
    }

    @Test(.timeLimit(.minutes(1)))
    func waitReturnsOnTimeout() async {
        let signal = WorkSignal()
        let took = await elapsed { await signal.wait(timeout: .milliseconds(50)) }
        #expect(took >= .milliseconds(50))
        #expect(took < Self.notTheTimeout)
    }

    @Test(.timeLimit(.minutes(1)))
    func notificationsCoalesceAndAreConsumedOnce() async {
        let signal = WorkSignal()
        signal.notify()
        signal.notify()
        let first = await elapsed { await signal.wait(timeout: .seconds(30)) }
        #expect(first < Self.notTheTimeout)
        let second = await elapsed { await signal.wait(timeout: .milliseconds(50)) }
        #expect(second >= .milliseconds(50))
    }

    @Test(.timeLimit(.minutes(1)))
    func notifyWakesAWaiter() async {
        let signal = WorkSignal()
        let took = await elapsed {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await signal.wait(timeout: .seconds(30)) }
                // Whether the waiter is parked yet or not, the notification ends its wait.
                signal.notify()
                await group.waitForAll()
            }
        }
        #expect(took < Self.notTheTimeout)
    }

    @Test(.timeLimit(.minutes(1)))
    func cancellationEndsTheWait() async {
        let signal = WorkSignal()
        let took = await elapsed {
            let waiter = Task { _ = await signal.wait(timeout: .seconds(30)) }
            waiter.cancel()
            await waiter.value
        }
        #expect(took < Self.notTheTimeout)
    }
}
