public import Foundation
import Synchronization

/// Work handed from a commit straight to this process's worker (DESIGN.md section 8, "Commits").
///
/// The worker opens it with its lease owner name and concurrency. An executor that is about to
/// commit work for a worker (an order, a payment, a release) first reserves a slot; its commit
/// then claims the allocation for the worker (a new lease epoch, in the same transaction) and,
/// where it may, begins the first step; once committed it delivers the record, and the worker
/// (woken by ``WorkSignal/wake()``) goes on from there without a claim commit of its own. Without a slot (no worker here, or all
/// busy) the executor commits as before and the worker claims the work from the store. A lost
/// delivery (a crash) loses nothing: the claim is a lease in the store like any other.
public final class WorkHandOffs: Sendable {
    /// A committed claim and the effect its commit decided (``AllocationLifecycle/Effect/none``:
    /// the worker decides the first step).
    public struct Item: Sendable {
        public var record: AllocationRecord
        public var effect: AllocationLifecycle.Effect

        public init(record: AllocationRecord, effect: AllocationLifecycle.Effect) {
            self.record = record
            self.effect = effect
        }
    }

    private struct State {
        var owner: String?
        var capacity = 0
        /// Slots taken: work running, delivered, or reserved for a commit under way.
        var busy = 0
        /// Reserved slots whose commit has not delivered or cancelled yet.
        var reserved = 0
        var delivered: [Item] = []
    }

    // Guarded by this Mutex.
    private let state = Mutex(State())

    public init() {}

    /// Reserves a slot for a commit about to claim work; the worker's lease owner name, or `nil`
    /// when no worker runs here or every slot is busy. Each reservation ends with
    /// ``deliver(_:)`` or ``cancel()``.
    public func reserve() -> String? {
        state.withLock { state in
            guard let owner = state.owner, state.busy < state.capacity else { return nil }
            state.busy += 1
            state.reserved += 1
            return owner
        }
    }

    /// Gives back a reserved slot: the commit claimed nothing (or failed).
    public func cancel() {
        state.withLock {
            $0.busy -= 1
            $0.reserved -= 1
        }
    }

    /// Hands a committed claim to the worker (the slot stays taken until the worker is done).
    public func deliver(_ item: Item) {
        state.withLock {
            $0.reserved -= 1
            $0.delivered.append(item)
        }
    }

    // MARK: - The worker's side

    /// Sets how many slots there are in all (before ``open(owner:)``; claims from the store take
    /// slots too).
    func setCapacity(_ capacity: Int) {
        state.withLock { $0.capacity = capacity }
    }

    /// Accepts hand-offs for `owner`.
    func open(owner: String) {
        state.withLock { $0.owner = owner }
    }

    /// Accepts no more reservations.
    func close() {
        state.withLock { $0.owner = nil }
    }

    /// Takes up to `limit` free slots for work claimed from the store; returns how many.
    func takeSlots(upTo limit: Int) -> Int {
        state.withLock { state in
            let taken = max(0, min(limit, state.capacity - state.busy))
            state.busy += taken
            return taken
        }
    }

    /// Gives back `count` slots (work finished, or slots taken and not used).
    func free(_ count: Int) {
        guard count > 0 else { return }
        state.withLock { $0.busy -= count }
    }

    /// The delivered items, removed.
    func takeDelivered() -> [Item] {
        state.withLock { state in
            defer { state.delivered.removeAll() }
            return state.delivered
        }
    }

    /// Whether a reserved slot may still deliver (or something delivered waits).
    var hasPending: Bool { state.withLock { $0.reserved > 0 || !$0.delivered.isEmpty } }

    /// Whether every slot is taken.
    var isFull: Bool { state.withLock { $0.busy >= $0.capacity } }
}
