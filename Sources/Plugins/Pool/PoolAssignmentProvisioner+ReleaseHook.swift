public import Logging
import ProvisionerAPI
import Synchronization

extension PoolAssignmentProvisioner {
    /// Runs release hooks for released VMs until cancelled, first resuming the ones a previous run
    /// left in `cleaning`.
    public func runBackgroundWork(logger: Logger) async throws {
        try await syncCatalogIfNeeded(logger: logger)
        let pending = try await withLedger({ try await $0.claims() }).filter { $0.state == .cleaning }
        for claim in pending {
            hookJobsContinuation.yield(ReleaseHookJob(vmID: claim.resource, allocationID: claim.allocationID))
        }
        if !pending.isEmpty {
            logger.info("resuming release hooks left unfinished", metadata: ["pool.cleaning": "\(pending.count)"])
        }
        await withDiscardingTaskGroup { group in
            for await job in hookJobs {
                group.addTask { await self.onRelease(job, logger: logger) }
            }
        }
    }

    /// The release hook: runs after the ledger recorded the release (the VM is `cleaning`). Logs,
    /// or POSTs to the deployer with bounded retries and exponential backoff; on success the VM
    /// returns to the pool, after the last failed attempt it is `quarantined` until an operator
    /// returns it. Never touches the customer's allocation.
    func onRelease(_ job: ReleaseHookJob, logger: Logger) async {
        guard hooksInFlight.withLock({ $0.insert(job).inserted }) else { return }
        defer { _ = hooksInFlight.withLock { $0.remove(job) } }
        var logger = logger
        logger[metadataKey: "vm.id"] = "\(job.vmID)"
        logger[metadataKey: "allocation.id"] = "\(job.allocationID)"
        // A duplicate job must never reset a VM that has since gone to the next customer. Looked up
        // by VM: the allocation may hold another VM by now (a retried order).
        guard let claim = try? await withLedger({ try await $0.claim(on: job.vmID) }),
            claim.allocationID == job.allocationID, claim.state == .cleaning
        else { return }
        guard let hook = configuration.releaseHook else {
            logger.info("release hook: no deployer configured; the VM returns to the pool")
            await finishCleaning(job, logger: logger)
            return
        }
        let client = PoolReleaseHookClient(hook: hook, token: hook.tokenEnv.flatMap { environment[$0] })
        var lastError = ""
        for attempt in 1...hook.maxAttempts {
            do {
                try await client.deliver(job, vm: snapshot.vm(job.vmID))
                logger.info("release hook succeeded", metadata: ["hook.attempt": "\(attempt)"])
                await finishCleaning(job, logger: logger)
                return
            } catch {
                lastError = "\(error)"
                logger.info(
                    "release hook attempt failed", metadata: ["hook.attempt": "\(attempt)", "error": "\(lastError)"])
            }
            guard attempt < hook.maxAttempts else { break }
            do {
                try await Task.sleep(for: client.backoff(afterAttempt: attempt))
            } catch {
                logger.info("release hook interrupted by shutdown; it resumes on the next start")
                return
            }
        }
        let note = "release hook failed \(hook.maxAttempts) times; last error: \(lastError)"
        do {
            _ = try await withLedger({
                try await $0.setState(.quarantined, of: job.vmID, for: job.allocationID, note: note)
            })
            logger.warning("pool VM quarantined: an operator must return it", metadata: ["reason": "\(note)"])
        } catch {
            logger.warning("cannot record the quarantine; the VM stays cleaning", metadata: ["error": "\(error)"])
        }
    }

    private func finishCleaning(_ job: ReleaseHookJob, logger: Logger) async {
        do {
            if try await withLedger({ try await $0.release(job.vmID, for: job.allocationID) }) {
                returnToFreeList(job.vmID)
            }
        } catch {
            logger.warning(
                "cannot record the end of cleaning; the VM stays cleaning until the next start",
                metadata: ["error": "\(error)"])
        }
    }
}
