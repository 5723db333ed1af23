import Foundation
import Host
import Logging
import PoolProvisioner
import ProvisionerAPI
import Testing

/// The pool backend over the real store: the store's unique keys, not Swift locks, keep a VM with
/// one customer.
struct PoolStoreAssignmentTests {
    static let logger = Logger(label: "test.pool-store", factory: { _ in SwiftLogNoOpLogHandler() })
    static let plan = PlanSpec(name: "trial", priceCents: 0)

    @Test(.timeLimit(.minutes(2)), arguments: StoreKind.allCases)
    func twoHundredAllocationsAgainstOneHundredVMsWhileRefreshesRun(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let vms = PoolHost.vms(100)
            let pool = PoolHost.pool(vms, store: store)
            let results = try await withThrowingTaskGroup(of: Result<VmAllocation, ProvisionerError>?.self) { group in
                // Refreshes with the same VMs in a different order run all along.
                group.addTask {
                    for round in 0..<20 {
                        _ = try await pool.refreshPool(
                            round.isMultiple(of: 2) ? vms.reversed() : vms, logger: Self.logger)
                    }
                    return nil
                }
                for index in 0..<200 {
                    group.addTask {
                        let request = AllocationRequest(
                            allocationID: "a-\(index)", userID: "u\(index)", plan: Self.plan)
                        do {
                            return .success(try await pool.allocate(request, logger: Self.logger))
                        } catch let error as ProvisionerError {
                            return .failure(error)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }.compactMap { $0 }
            }
            let assigned = results.compactMap { try? $0.get() }
            let refused = results.compactMap { result -> ProvisionerError? in
                if case .failure(let error) = result { return error }
                return nil
            }
            #expect(assigned.count == 100)
            #expect(Set(assigned.compactMap(\.backendRef)).count == 100)
            #expect(refused.count == 100)
            #expect(refused.allSatisfy { $0.code == .poolExhausted && $0.isRetryable })
            let claims = try await store.resourceClaims(namespace: "pool")
            #expect(claims.count == 100)
            #expect(Set(claims.map(\.allocationID)) == Set(assigned.map(\.allocationID)))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func replicasSharingOneStoreNeverShareAVMAndConvergeOnRefresh() async throws {
        try await withStore(.disk) { store in
            let first = PoolHost.pool(PoolHost.vms(10), store: store)
            let second = PoolHost.pool(PoolHost.vms(10), store: store)
            let results = try await withThrowingTaskGroup(of: VmAllocation?.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        let replica = index.isMultiple(of: 2) ? first : second
                        let request = AllocationRequest(allocationID: "r-\(index)", userID: "u", plan: Self.plan)
                        return try? await replica.allocate(request, logger: Self.logger)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }.compactMap { $0 }
            }
            #expect(results.count == 10)
            #expect(Set(results.compactMap(\.backendRef)).count == 10)

            // A refresh on the first replica is what the second hands out next.
            _ = try await first.refreshPool([PoolVM(id: "fresh-1")] + PoolHost.vms(10), logger: Self.logger)
            let next = try await second.allocate(
                AllocationRequest(allocationID: "after-refresh", userID: "u", plan: Self.plan), logger: Self.logger)
            #expect(next.backendRef == "fresh-1")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theStoredCatalogSurvivesARestart() async throws {
        try await withStore(.disk) { store in
            let before = PoolHost.pool(PoolHost.vms(2), store: store)
            _ = try await before.refreshPool([PoolVM(id: "refreshed")], logger: Self.logger)
            let after = PoolHost.pool(PoolHost.vms(2), store: store)  // the config source still says vm-0, vm-1
            let vm = try await after.allocate(
                AllocationRequest(allocationID: "x", userID: "u", plan: Self.plan), logger: Self.logger)
            #expect(vm.backendRef == "refreshed")
        }
    }
}
