import Logging
import ProvisionerAPI

@testable import PoolProvisioner

enum PoolFixtures {
    static let logger = Logger(label: "test.pool", factory: { _ in SwiftLogNoOpLogHandler() })
    static let plan = PlanSpec(name: "small", vcpus: 1, memoryMiB: 1024, diskGiB: 10, priceCents: 500)

    /// `count` available VMs named `vm-0`...
    static func vms(_ count: Int, prefix: String = "vm") -> [PoolVM] {
        (0..<count).map { index in
            PoolVM(
                id: "\(prefix)-\(index)", name: "\(prefix)-\(index).example", ipv6: "2001:db8::\(index + 1)",
                sshPort: 22, cockpitURL: "https://\(prefix)-\(index).example:9090")
        }
    }

    static func request(_ id: String, plan: PlanSpec = plan) -> AllocationRequest {
        AllocationRequest(allocationID: id, userID: "user-\(id)", plan: plan)
    }

    static func provisioner(
        _ vms: [PoolVM], ledger: MemoryClaimLedger = MemoryClaimLedger(),
        configuration: PoolAssignmentProvisionerConfiguration = .init(reuse: .immediate),
        fullPoolRecheckInterval: Duration = .seconds(1)
    ) -> PoolAssignmentProvisioner {
        PoolAssignmentProvisioner(
            configuration: configuration, vms: vms, ledger: ledger, catalogStore: ledger,
            fullPoolRecheckInterval: fullPoolRecheckInterval)
    }
}

/// Runs `body` while the pool's background work (release hooks) runs, then stops it.
func withBackgroundWork<T: Sendable>(
    _ pool: PoolAssignmentProvisioner, _ body: () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await pool.runBackgroundWork(logger: PoolFixtures.logger) }
        defer { group.cancelAll() }
        return try await body()
    }
}
