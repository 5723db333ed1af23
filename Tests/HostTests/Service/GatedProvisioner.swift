import Foundation
import Logging
import ProvisionerAPI
import SimulatedProvisioner

/// Signals when `allocate` starts and answers only when the gate opens.
final class GatedProvisioner: Provisioner {
    let inner: SimulatedProvisioner
    let started: AsyncStream<Void>.Continuation
    let gate: AsyncStream<Void>

    init(_ inner: SimulatedProvisioner, started: AsyncStream<Void>.Continuation, gate: AsyncStream<Void>) {
        self.inner = inner
        self.started = started
        self.gate = gate
    }

    var name: String { inner.name }
    var isDemo: Bool { inner.isDemo }

    func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
        started.yield()
        for await _ in gate { break }
        // A worker that cancelled in-flight work on shutdown would end up here: make it visible.
        if Task.isCancelled { throw ProvisionerError.timeout("cancelled in flight") }
        return try await inner.allocate(request, logger: logger)
    }

    func release(_ allocation: VmAllocation, logger: Logger) async throws {
        try await inner.release(allocation, logger: logger)
    }

    func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus {
        try await inner.status(allocation, logger: logger)
    }
}
