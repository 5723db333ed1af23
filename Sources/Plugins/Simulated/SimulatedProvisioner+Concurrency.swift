public import ProvisionerAPI

extension SimulatedProvisioner: ConcurrencyAdvising {
    /// In-process and cheap: an allocation is a timer and a table entry.
    public var concurrentAllocations: Int { 1024 }
}
