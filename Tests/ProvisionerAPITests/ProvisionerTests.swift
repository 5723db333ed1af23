import Logging
import ProvisionerAPI
import Testing

/// A backend that implements the five ``Provisioner`` requirements and nothing else.
///
/// This is the contract test: it passes by compiling. The protocol is the stable plugin contract
/// every out-of-tree backend implements, so a sixth requirement would break them all; this type
/// stops building the moment one is added without a default, the same way theirs would. (A
/// requirement *with* a default compiles here too, so review protocol changes for those.) New
/// capabilities belong in separate optional protocols such as ``CapacityReporting``. Do not add
/// members here to make it compile again: change the protocol back, or add an optional protocol.
struct MinimalProvisioner: Provisioner {
    var name: String { "minimal" }
    var isDemo: Bool { true }

    func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
        guard !request.allocationID.isEmpty else {
            throw ProvisionerError.invalidRequest("The allocation id is empty.")
        }
        return VmAllocation(allocationID: request.allocationID, backend: name, backendRef: request.allocationID)
    }

    func release(_ allocation: VmAllocation, logger: Logger) async throws {}

    func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus {
        VmStatus(powerState: .gone)
    }
}

struct ProvisionerTests {
    private let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test(.timeLimit(.minutes(1)))
    func minimalBackendIsUsableThroughTheExistential() async throws {
        let backend: any Provisioner = MinimalProvisioner()
        #expect(backend.name == "minimal")
        #expect(backend.isDemo)
        let request = AllocationRequest(allocationID: "alloc-1", userID: "user-1", plan: PlanSpec(name: "small"))
        let vm = try await backend.allocate(request, logger: logger)
        #expect(vm == VmAllocation(allocationID: "alloc-1", backend: "minimal", backendRef: "alloc-1"))
        #expect(try await backend.status(vm, logger: logger) == VmStatus(powerState: .gone))
        try await backend.release(vm, logger: logger)
    }

    @Test func optionalCapabilitiesAreDiscoveredWithAsCast() {
        let backend: any Provisioner = MinimalProvisioner()
        #expect(!(backend is any CapacityReporting))
        #expect(!(backend is any CapacityCounting))
        #expect(!(backend is any ReadinessChecking))
    }

    @Test(arguments: [
        (VmStatus.PowerState.starting, "starting"),
        (.running, "running"),
        (.stopped, "stopped"),
        (.gone, "gone"),
        (.unknown, "unknown"),
    ])
    func powerStatesAreStableWireStrings(state: VmStatus.PowerState, wire: String) {
        #expect(state.rawValue == wire)
        #expect(state.description == wire)
    }

    @Test(arguments: [(0, false), (1, true), (500, true)])
    func planRequiresPaymentWhenItHasAPrice(priceCents: Int, requiresPayment: Bool) {
        #expect(PlanSpec(name: "p", priceCents: priceCents).requiresPayment == requiresPayment)
    }
}
