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
public final class ProvisioningWorker: Service {
    let store: any Store
    let provisioning: ProvisioningService
    let configuration: WorkerConfiguration
    let signal: WorkSignal
    let logger: Logger
    /// This process's lease owner name.
    public let owner: String
    // The number of allocations being worked on; guarded by its Mutex.
    private let inFlight = Mutex(0)

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

    /// Runs until graceful shutdown, then lets in-flight work finish.
    public func run() async throws {
        let stopping = Mutex(false)
        logger.info(
            "provisioning worker started",
            metadata: ["worker.owner": "\(owner)", "worker.concurrency": "\(configuration.concurrency)"])
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                while !stopping.withLock({ $0 }) && !Task.isCancelled {
                    let claimed = await claimBatch()
                    for record in claimed {
                        group.addTask {
                            await self.provisioning.process(record, logger: self.logger)
                            self.inFlight.withLock { $0 -= 1 }
                            self.signal.notify()
                        }
                    }
                    if claimed.isEmpty || inFlight.withLock({ $0 }) >= configuration.concurrency {
                        await signal.wait(timeout: .milliseconds(configuration.pollIntervalMilliseconds))
                    }
                }
            } onGracefulShutdown: {
                stopping.withLock { $0 = true }
                self.signal.notify()
            }
        }
        logger.info("provisioning worker stopped")
    }

    private func claimBatch() async -> [AllocationRecord] {
        let free = configuration.concurrency - inFlight.withLock { $0 }
        guard free > 0 else { return [] }
        let now = Date()
        do {
            let claimed = try await store.claimWork(
                owner: owner, now: now, leaseUntil: now.addingTimeInterval(TimeInterval(configuration.leaseSeconds)),
                limit: free)
            inFlight.withLock { $0 += claimed.count }
            return claimed
        } catch {
            logger.error("could not claim work from the store", metadata: ["error": "\(error)"])
            return []
        }
    }
}
