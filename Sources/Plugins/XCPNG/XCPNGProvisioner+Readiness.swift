import Foundation
public import Logging
public import ProvisionerAPI
import Synchronization

/// One background readiness probe: when, and the error if it failed.
struct ProbeOutcome: Sendable {
    var at: ContinuousClock.Instant
    var failure: ProvisionerError?
}

extension XCPNGProvisioner: BackgroundWorking {
    /// Calls the pool master once (`pool.get_all`, logging in if needed).
    ///
    /// - Throws: ``ProvisionerError`` `backend_unavailable` or `timeout`.
    public func probe(logger: Logger) async throws {
        _ = try await call("pool.get_all", context: "readiness probe", logger: logger)
    }

    /// Probes the pool master every `probe_interval_s` until cancelled, keeping the last outcome
    /// for ``checkReadiness(logger:)``.
    public func runBackgroundWork(logger: Logger) async throws {
        while !Task.isCancelled {
            await probeOnce(logger: logger)
            try await Task.sleep(for: .milliseconds(Int64(configuration.probeIntervalSeconds * 1000)))
        }
    }

    /// Runs one probe and records its outcome.
    func probeOnce(logger: Logger) async {
        var failure: ProvisionerError?
        do {
            try await probe(logger: logger)
        } catch {
            failure = ProvisionerError.wrapping(error)
            logger.warning("XCP-ng readiness probe failed", metadata: ["error": "\(error)"])
        }
        let outcome = ProbeOutcome(at: .now, failure: failure)
        lastProbe.withLock { $0 = outcome }
    }

    /// Reports the last background probe; never calls the pool master, so `/readyz` costs the
    /// master nothing however often it is asked.
    ///
    /// - Throws: ``ProvisionerError`` `backend_unavailable` before the first probe, when the last one
    ///   failed, or when none finished for three intervals plus a call timeout (the probe is stuck).
    public func checkReadiness(logger: Logger) async throws {
        guard let outcome = lastProbe.withLock({ $0 }) else {
            throw ProvisionerError.backendUnavailable("the XCP-ng readiness probe has not finished yet")
        }
        if let failure = outcome.failure { throw failure }
        let stale = Duration.milliseconds(
            Int64((configuration.probeIntervalSeconds * 3 + configuration.callTimeoutSeconds) * 1000))
        guard ContinuousClock.now - outcome.at <= stale else {
            throw ProvisionerError.backendUnavailable("the XCP-ng readiness probe last succeeded over \(stale) ago")
        }
    }
}
