import Foundation
import Logging
import ProvisionerAPI

/// The effects of lifecycle decisions: backend calls and launch checks, each run while the
/// holder's lease is renewed, each answered with the lifecycle input that reports its outcome.
extension ProvisioningService {
    /// Runs `effect` for `record` (as committed); `nil` when there is nothing more to do.
    ///
    /// - Throws: ``LeaseLostError`` when the lease could not be kept (the call was cancelled).
    func run(_ effect: AllocationLifecycle.Effect, on record: AllocationRecord, logger: Logger) async throws
        -> AllocationLifecycle.Input?
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
            do {
                try await lease.run(holding: record) { try await backend.release(vm, logger: logger) }
                metrics.backendOperation("release", outcome: "succeeded", backend: backend.name)
                logger.info("VM released")
                return .releaseSucceeded(entry: entry)
            } catch let lost as LeaseLostError {
                throw lost
            } catch {
                let failure = ProvisionerError.wrapping(error)
                metrics.backendOperation("release", outcome: "failed", backend: backend.name)
                logger.warning("backend release failed; will retry", metadata: ["error": "\(failure)"])
                return .releaseFailed(failure, entry: entry)
            }
        case .tearDown(let target, let entry):
            do {
                try await lease.run(holding: record) { try await tearDown(target, logger: logger) }
                metrics.backendOperation("teardown", outcome: "succeeded", backend: backend.name)
                return .teardownSucceeded(entry: entry)
            } catch let lost as LeaseLostError {
                throw lost
            } catch {
                let failure = ProvisionerError.wrapping(error)
                metrics.backendOperation("teardown", outcome: "failed", backend: backend.name)
                logger.warning("teardown failed; it stays pending", metadata: ["error": "\(failure)"])
                return .teardownFailed(failure, entry: entry)
            }
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
            sshPublicKeys: record.sshKeys, openPorts: record.openPorts, metadata: record.metadata, attempt: attempt)
    }
}
