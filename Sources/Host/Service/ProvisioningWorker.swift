public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// Drives provisioning and release from the store: claims ready allocations with a lease and
/// works on up to `concurrency` of them at once.
///
/// Because work is claimed from committed rows, a crash or a second replica never loses it: an
/// expired lease makes the allocation claimable again, and `allocate` is idempotent per
/// allocation id. A ``WorkSignal`` only makes it start sooner.
///
/// Work runs at high task priority: each step of an allocation waits for a store call, and at
/// default priority every resumption queued behind all the HTTP requests ready at that moment
/// (under 64 polling clients, an allocation took tens of queue passes to become provisioned).
/// Finishing what was accepted before serving more reads keeps time-to-provisioned short.
public final class ProvisioningWorker: Service {
    let store: any Store
    let provisioning: ProvisioningService
    let configuration: WorkerConfiguration
    let signal: WorkSignal
    let logger: Logger
    /// This process's lease owner name.
    public let owner: String

    public init(
        store: any Store, provisioning: ProvisioningService, configuration: WorkerConfiguration, signal: WorkSignal,
        logger: Logger, owner: String = "worker-" + UUID().uuidString.lowercased()
    ) {
        self.store = store
        self.provisioning = provisioning
        self.configuration = configuration
        self.signal = signal
        self.logger = logger
        self.owner = owner
    }

    /// Runs until graceful shutdown, then lets in-flight work (and work handed off meanwhile) finish.
    public func run() async throws {
        let stopping = Mutex(false)
        let handOffs = signal.handOffs
        handOffs.setCapacity(configuration.concurrency)
        logger.info(
            "provisioning worker started",
            metadata: ["worker.owner": "\(owner)", "worker.concurrency": "\(configuration.concurrency)"])
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                // Look in the store at once, then when asked to, when a claim came back full (more
                // may wait) and at every poll interval.
                var poll = true
                while !stopping.withLock({ $0 }) && !Task.isCancelled {
                    let delivered = start(handOffs.takeDelivered(), in: &group)
                    var claimedFull = false
                    if poll || signal.takePollRequest() {
                        let (claimed, full) = await claimBatch()
                        claimedFull = full
                        for record in claimed {
                            group.addTask(priority: .high) {
                                await self.finish { await self.provisioning.process(record, logger: self.logger) }
                            }
                        }
                    }
                    // Hand-offs are accepted once the first look in the store is behind.
                    handOffs.open(owner: owner)
                    poll = claimedFull
                    if delivered == 0 && !claimedFull || handOffs.isFull {
                        let timedOut = await signal.wait(timeout: .milliseconds(configuration.pollIntervalMilliseconds))
                        poll = poll || timedOut
                    }
                }
                handOffs.close()
                // Commits that reserved a slot before the close still deliver: finish those too.
                while handOffs.hasPending {
                    _ = start(handOffs.takeDelivered(), in: &group)
                    await signal.wait(timeout: .milliseconds(50))
                }
            } onGracefulShutdown: {
                stopping.withLock { $0 = true }
                self.signal.wake()
            }
        }
        logger.info("provisioning worker stopped")
    }

    /// Starts the handed-off items; returns how many.
    private func start(_ items: [WorkHandOffs.Item], in group: inout DiscardingTaskGroup) -> Int {
        for item in items {
            group.addTask(priority: .high) {
                await self.finish {
                    await self.provisioning.resume(item.record, after: item.effect, logger: self.logger)
                }
            }
        }
        return items.count
    }

    /// Runs one allocation's work, then frees its slot and wakes the loop.
    private func finish(_ work: () async -> Void) async {
        await work()
        signal.handOffs.free(1)
        signal.wake()
    }

    /// Claims work from the store for the free slots; whether the claim filled them all.
    private func claimBatch() async -> ([AllocationRecord], Bool) {
        let handOffs = signal.handOffs
        let slots = handOffs.takeSlots(upTo: configuration.concurrency)
        guard slots > 0 else { return ([], false) }
        let now = Date()
        do {
            let claimed = try await store.claimWork(
                owner: owner, now: now, leaseUntil: now.addingTimeInterval(TimeInterval(configuration.leaseSeconds)),
                limit: slots)
            handOffs.free(slots - claimed.count)
            return (claimed, claimed.count == slots)
        } catch {
            handOffs.free(slots)
            logger.error("could not claim work from the store", metadata: ["error": "\(error)"])
            return ([], false)
        }
    }
}
