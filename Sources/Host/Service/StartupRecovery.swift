public import Logging
import ServiceLifecycle

/// What `serve` runs once at start-up: crash recovery, then the operator ops a crash interrupted
/// after they were authorized.
///
/// It runs while the API already answers. Recovery finishes interrupted provisioning on the
/// backend, which can take as long as the backend takes (an XCP-NG VM waiting for its IP), and
/// an API that refused connections meanwhile would look dead to the onboarding service and to
/// every probe. Orders taken meanwhile are committed and wait for the worker.
public struct StartupRecovery: Sendable {
    /// What one start-up recovery did.
    public struct Outcome: Sendable {
        public var report: Recovery.Report
        /// How many interrupted operator ops ran again.
        public var resumedOps: Int
    }

    let recovery: Recovery
    let gate: Gate
    let onFinished: @Sendable (Outcome) -> Void

    /// - Parameter onFinished: Called once recovery is done (`serve` prints the report).
    public init(recovery: Recovery, gate: Gate, onFinished: @escaping @Sendable (Outcome) -> Void = { _ in }) {
        self.recovery = recovery
        self.gate = gate
        self.onFinished = onFinished
    }

    /// Recovers, then resumes interrupted operator ops.
    ///
    /// - Throws: A store error when the journal or the ops cannot be read.
    public func run(logger: Logger) async throws -> Outcome {
        let report: Recovery.Report
        do {
            report = try await recovery.recover(logger: logger)
        } catch {
            logger.critical("crash recovery could not read the store; stopping", metadata: ["error": "\(error)"])
            throw error
        }
        let resumed = try await gate.resumeInterrupted(logger: logger)
        let outcome = Outcome(report: report, resumedOps: resumed.count)
        onFinished(outcome)
        return outcome
    }
}

/// Runs start-up recovery, then the services that claim allocations (the provisioning worker and
/// reconcile). They wait for recovery so they never race it for the allocations it takes over;
/// the HTTP server and the other services run meanwhile. A graceful shutdown lets recovery finish
/// what it is doing, as the worker lets its in-flight work finish (cancelling a backend call would
/// fail a customer's order because of a deploy), and then starts nothing.
struct AfterStartupRecovery: Service {
    let recovery: StartupRecovery?
    let services: [any Service]
    let logger: Logger

    func run() async throws {
        if let recovery {
            _ = try await recovery.run(logger: logger)
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else {
                logger.notice("crash recovery finished during shutdown; the worker and reconcile do not start")
                return
            }
        }
        try await withThrowingDiscardingTaskGroup { group in
            for service in services {
                group.addTask { try await service.run() }
            }
        }
    }
}
