public import Logging
public import ProvisionerAPI

extension PoolAssignmentProvisioner: ReleasePreparing {
    /// The ledger change releasing the allocation's VM makes, for the Host to commit with the
    /// allocation's `released` (one commit for the whole release, DESIGN.md section 8): the claim
    /// removed (`reuse: immediate`) or moved to `cleaning` until the release hook succeeded. Once
    /// committed, the VM goes back on the free list or its hook is queued. Nothing when the
    /// allocation holds no VM; with a ledger that commits every write itself, the release is
    /// committed here (``release(_:logger:)``).
    public func prepareRelease(_ allocation: VmAllocation, logger: Logger) async throws -> PreparedRelease {
        guard let claim = try await withLedger({ try await $0.claim(of: allocation.allocationID) }),
            claim.state == .assigned
        else {
            return PreparedRelease()
        }
        if allocation.backendRef == nil, let attempt = allocation.attempt, let tag = claim.attempt, tag != attempt {
            return PreparedRelease()  // another attempt's VM: not this release's
        }
        let reuse = configuration.reuse
        let change: ClaimWrite.Change =
            switch reuse {
            case .immediate: .free
            case .afterHook: .state(.cleaning, note: "waiting for release hook")
            }
        guard let write = ledger.deferredWrite(change, of: claim.resource, for: allocation.allocationID) else {
            try await release(allocation, logger: logger)
            return PreparedRelease()
        }
        let job = ReleaseHookJob(vmID: claim.resource, allocationID: allocation.allocationID)
        let metadata: Logger.Metadata = ["allocation.id": "\(allocation.allocationID)", "vm.id": "\(claim.resource)"]
        return PreparedRelease(writes: [write]) { [self] in
            switch reuse {
            case .immediate:
                returnToFreeList(job.vmID)
                logger.info("pool VM released and free again", metadata: metadata)
            case .afterHook:
                hookJobsContinuation.yield(job)
                logger.info("pool VM released; cleaning until its release hook succeeds", metadata: metadata)
            }
        }
    }
}
