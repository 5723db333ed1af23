import Foundation

/// Keeps a worker's lease alive while a backend call runs (DESIGN.md section 8, "Fencing").
///
/// The holder renews every `lease / 3`; a renewal refused because the epoch moved on, or no
/// successful renewal for `lease / 2`, cancels the call and throws ``LeaseLostError``: the
/// lease expires only after the holder gave up, so a second attempt starts only when the first
/// is dead or cancelled.
struct LeaseRenewal: Sendable {
    let store: any Store
    /// How long a lease lasts from each renewal.
    let leaseSeconds: TimeInterval

    /// Runs `body` while renewing the lease that `record` holds at its epoch.
    func run<T: Sendable>(
        holding record: AllocationRecord, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard leaseSeconds > 0 else { return try await body() }
        let store = store
        let leaseSeconds = leaseSeconds
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Self.renew(store: store, record: record, leaseSeconds: leaseSeconds)
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let value = result { return value }
            }
            throw CancellationError()
        }
    }

    /// Renews until cancelled; throws ``LeaseLostError`` when it must give up.
    private static func renew(store: any Store, record: AllocationRecord, leaseSeconds: TimeInterval) async throws {
        let clock = ContinuousClock()
        var lastRenewed = clock.now
        let interval = Duration.milliseconds(Int64(leaseSeconds * 1000 / 3))
        let giveUpAfter = Duration.milliseconds(Int64(leaseSeconds * 1000 / 2))
        while true {
            try await Task.sleep(for: interval)
            let renewed: Bool
            do {
                // A store that hangs must not keep the holder alive: the wait is bounded by the time
                // left before the holder has to give up.
                let left = max(.milliseconds(1), giveUpAfter - (clock.now - lastRenewed))
                renewed = try await withDeadline(left, operation: "lease renewal") {
                    try await store.renewLease(
                        id: record.id, epoch: record.leaseEpoch, until: Date().addingTimeInterval(leaseSeconds))
                }
            } catch {
                guard clock.now - lastRenewed < giveUpAfter else {
                    throw LeaseLostError(
                        allocationID: record.id, heldEpoch: record.leaseEpoch,
                        reason: "could not renew for \(giveUpAfter): \(error)")
                }
                continue
            }
            guard renewed else {
                throw LeaseLostError(
                    allocationID: record.id, heldEpoch: record.leaseEpoch,
                    reason: "renewal refused: another attempt claimed the allocation")
            }
            lastRenewed = clock.now
        }
    }
}
