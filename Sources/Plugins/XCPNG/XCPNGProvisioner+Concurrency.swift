public import ProvisionerAPI

extension XCPNGProvisioner: ConcurrencyAdvising {
    /// How many allocations at once: an allocation holds one of the `max_concurrent_tasks` task
    /// slots only while a XAPI task runs and spends most of its life waiting for its guest's IP,
    /// which takes no slot; so eight allocations per task slot keep the slots busy without queueing
    /// far behind them (capped at 256).
    public var concurrentAllocations: Int { min(256, max(1, configuration.maxConcurrentTasks) * 8) }
}
