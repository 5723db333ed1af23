public import ProvisionerAPI

extension PoolAssignmentProvisioner: ConcurrencyAdvising {
    /// In-process and cheap: an allocation is one claim in the store.
    public var concurrentAllocations: Int { 1024 }
}
