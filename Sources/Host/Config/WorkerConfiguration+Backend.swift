public import ProvisionerAPI

extension WorkerConfiguration {
    /// The most allocations a worker runs at once.
    public static let maxConcurrency = 1024

    /// Takes the backend's advice on how many allocations to run at once (``ConcurrencyAdvising``)
    /// unless `worker.concurrency` was set in config.
    public mutating func adopt(adviceOf backend: any Provisioner) {
        guard !concurrencyIsConfigured, let advising = backend as? any ConcurrencyAdvising else { return }
        concurrency = min(Self.maxConcurrency, max(1, advising.concurrentAllocations))
    }
}
