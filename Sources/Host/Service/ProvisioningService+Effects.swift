import Foundation
import Logging
import ProvisionerAPI

/// The effects of lifecycle decisions: backend calls and launch checks, each run while the
/// holder's lease is renewed, each answered with the lifecycle input that reports its outcome.
extension ProvisioningService {
    /// The outcome of an effect: the input that reports it and, for a prepared release
    /// (``ReleasePreparing``), the claim writes the input's commit must carry.
    struct EffectOutcome: Sendable {
        var input: AllocationLifecycle.Input
        var release: PreparedRelease?
    }

    /// Runs `effect` for `record` (as committed); `nil` when there is nothing more to do.
    ///
    /// - Throws: ``LeaseLostError`` when the lease could not be kept (the call was cancelled).
    func run(_ effect: AllocationLifecycle.Effect, on record: AllocationRecord, logger: Logger) async throws
        -> EffectOutcome?
    {
        if case .callRelease(let vm, let entry) = effect, let preparing = backend as? any ReleasePreparing {
            return try await prepareRelease(vm, entry: entry, with: preparing, holding: record, logger: logger)
        }
        return try await input(after: effect, on: record, logger: logger).map { EffectOutcome(input: $0) }
    }

    /// Prepares the release of a delivered VM whose backend only changes its claim ledger: the
    /// changes ride in the commit of `releaseSucceeded` (one commit for the release, DESIGN.md
    /// section 8, "Commits"); a failure to prepare is a failed release, retried.
    private func prepareRelease(
        _ vm: VmAllocation, entry: JournalEntry, with backend: any ReleasePreparing, holding record: AllocationRecord,
        logger: Logger
    ) async throws -> EffectOutcome {
        do {
            let prepared = try await LeaseRenewal(store: store, leaseSeconds: leaseSeconds).run(holding: record) {
                try await backend.prepareRelease(vm, logger: logger)
            }
            metrics.backendOperation("release", outcome: "succeeded", backend: backend.name)
            logger.info("backend release prepared; it commits with the release")
            return EffectOutcome(input: .releaseSucceeded(entry: entry), release: prepared)
        } catch let lost as LeaseLostError {
            throw lost
        } catch {
            let failure = ProvisionerError.wrapping(error)
            metrics.backendOperation("release", outcome: "failed", backend: backend.name)
            logger.warning("backend release failed; it is retried", metadata: ["error": "\(failure)"])
            return EffectOutcome(input: .releaseFailed(failure, entry: entry))
        }
    }

    /// Runs `effect` and reports its outcome as an input.
    private func input(after effect: AllocationLifecycle.Effect, on record: AllocationRecord, logger: Logger)
        async throws -> AllocationLifecycle.Input?
    {
        let lease = LeaseRenewal(store: store, leaseSeconds: leaseSeconds)
        let backend = backend
        switch effect {
        case .none:
            return nil
        case .callAllocate(let entry):
            let request: AllocationRequest
            do {
                request = try allocationRequest(for: record, attempt: entry.attempt)
            } catch {
                return .allocateFailed(ProvisionerError.wrapping(error), entry: entry)
            }
            let deadline = provisioningDeadline
            do {
                let vm = try await lease.run(holding: record) {
                    try await withDeadline(deadline, operation: "allocate") {
                        try await backend.allocate(request, logger: logger)
                    }
                }
                metrics.backendOperation("allocate", outcome: "succeeded", backend: backend.name)
                return .allocateReturned(vm, entry: entry)
            } catch let lost as LeaseLostError {
                throw lost
            } catch {
                let failure = ProvisionerError.wrapping(error)
                metrics.backendOperation("allocate", outcome: "failed", backend: backend.name)
                logger.warning(
                    "backend allocate failed; tearing down what the attempt created",
                    metadata: ["error.code": "\(failure.code)", "error": "\(failure)"])
                return .allocateFailed(failure, entry: entry)
            }
        case .runLaunchChecks(let vm, let entry):
            let checker = checker
            let hostname = record.hostname
            let checks = try await lease.run(holding: record) { await checker.verify(hostname: hostname, vm: vm) }
            logger.info(
                "VM delivered; launch checks measured",
                metadata: [
                    "vm.ref": "\(vm.backendRef ?? "")", "dns_aaaa": "\(checks.dns.status.rawValue)",
                    "ssh_smoke": "\(checks.ssh.status.rawValue)",
                ])
            return .checksMeasured(vm, AllocationLifecycle.LaunchChecks(dns: checks.dns, ssh: checks.ssh), entry: entry)
        case .callRelease(let vm, let entry):
            return try await outcome(of: "release", holding: record, logger: logger) {
                try await backend.release(vm, logger: logger)
            } succeeded: {
                .releaseSucceeded(entry: entry)
            } failed: {
                .releaseFailed($0, entry: entry)
            }
        case .tearDown(let target, let entry):
            return try await outcome(of: "teardown", holding: record, logger: logger) {
                try await tearDown(target, logger: logger)
            } succeeded: {
                .teardownSucceeded(entry: entry)
            } failed: {
                .teardownFailed($0, entry: entry)
            }
        }
    }

    /// Runs a backend `operation` while the lease is renewed, counts it, and reports its outcome
    /// as an input; a lost lease is thrown, never reported as the operation's failure.
    private func outcome(
        of operation: String, holding record: AllocationRecord, logger: Logger,
        _ body: @escaping @Sendable () async throws -> Void,
        succeeded: () -> AllocationLifecycle.Input, failed: (ProvisionerError) -> AllocationLifecycle.Input
    ) async throws -> AllocationLifecycle.Input {
        do {
            try await LeaseRenewal(store: store, leaseSeconds: leaseSeconds).run(holding: record, body)
            metrics.backendOperation(operation, outcome: "succeeded", backend: backend.name)
            logger.info("backend \(operation) succeeded")
            return succeeded()
        } catch let lost as LeaseLostError {
            throw lost
        } catch {
            let failure = ProvisionerError.wrapping(error)
            metrics.backendOperation(operation, outcome: "failed", backend: backend.name)
            logger.warning("backend \(operation) failed; it is retried", metadata: ["error": "\(failure)"])
            return failed(failure)
        }
    }

    /// Releases `target` (scoped to its attempt), retrying with exponential backoff.
    ///
    /// - Throws: The last failure when every try failed.
    func tearDown(_ target: VmAllocation, logger: Logger) async throws {
        var delay = teardownBaseDelay
        let attempts = max(1, teardownAttempts)
        for attempt in 1...attempts {
            do {
                try await backend.release(target, logger: logger)
                return
            } catch {
                logger.warning("teardown attempt \(attempt) failed", metadata: ["error": "\(error)"])
                guard attempt < attempts else { throw error }
                try await Task.sleep(for: delay)
                delay *= 2
            }
        }
    }

    /// The backend request for an attempt of `record`.
    func allocationRequest(for record: AllocationRecord, attempt: Int?) throws -> AllocationRequest {
        guard let plan = plans[record.plan] else {
            throw ProvisionerError.backendRejected("plan '\(record.plan)' is no longer configured")
        }
        return AllocationRequest(
            allocationID: record.id, userID: record.userID, plan: plan, hostname: record.hostname,
            sshPublicKeys: record.sshKeys, openPorts: record.openPorts, metadata: record.metadata, attempt: attempt,
            restoredFrom: record.restoredFrom)
    }
}
