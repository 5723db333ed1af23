import Synchronization

/// One executor's reservation of a worker slot (``WorkHandOffs``): delivered once its commit
/// claimed work for the worker, given back otherwise (also when the commit throws).
final class HandOffSlot: Sendable {
    private let signal: WorkSignal?
    /// The worker's lease owner name; `nil` when no slot was reserved.
    let owner: String?
    private let delivered = Mutex(false)

    /// Reserves a slot of `signal`'s worker; with `nil`, reserves nothing.
    init(signal: WorkSignal?) {
        self.signal = signal
        owner = signal?.handOffs.reserve()
    }

    /// Hands the committed claim to the worker and wakes it.
    func deliver(_ item: WorkHandOffs.Item) {
        guard let signal, owner != nil else { return }
        delivered.withLock { $0 = true }
        signal.handOffs.deliver(item)
        signal.wake()
    }

    /// Gives the slot back unless it was delivered.
    func cancelUnlessDelivered() {
        guard let signal, owner != nil, !delivered.withLock({ $0 }) else { return }
        signal.handOffs.cancel()
        signal.wake()
    }
}
