import Logging
import ProvisionerAPI
import Synchronization

/// A small correct backend, written from the protocol's implementation requirements alone, so
/// the kit is checked against something other than the simulated backend it was developed with.
///
/// Its ``Behaviour`` switches let each broken fake break exactly one rule while keeping the rest.
final class ReferenceProvisioner: Provisioner {
    /// One way to break the contract; `.correct` breaks nothing.
    enum Behaviour: Sendable {
        case correct
        /// A repeated `allocate` for the same id creates a second VM.
        case allocateNotIdempotent
        /// `release` of a VM that is already gone throws `not_found`.
        case releaseOfGoneThrows
        /// Every VM gets the same backend ref and address: one machine handed to everyone.
        case sharedBackendRef
        /// Input validation throws a foreign error instead of a ``ProvisionerError``.
        case throwsForeignError
        /// `release` forgets the VM but `status` keeps saying `running`.
        case statusAfterReleaseNotGone
    }

    /// Not a ``ProvisionerError``: what a backend leaks when it forgets to map its errors.
    struct ValidationError: Error {}

    private struct State {
        var vms: [String: VmAllocation] = [:]
        var released: Set<String> = []
        var next = 1
    }

    let behaviour: Behaviour
    // The VMs that exist, keyed by allocation id; guarded by this Mutex.
    private let state = Mutex(State())

    init(_ behaviour: Behaviour = .correct) { self.behaviour = behaviour }

    var name: String { "reference" }
    var isDemo: Bool { true }

    /// The allocation ids of the VMs that exist now.
    var liveAllocationIDs: Set<String> { state.withLock { Set($0.vms.keys) } }

    func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
        guard !request.allocationID.isEmpty else {
            if behaviour == .throwsForeignError { throw ValidationError() }
            throw ProvisionerError.invalidRequest("The allocation id is empty.")
        }
        // Yield so concurrent allocates interleave, as they do against a real backend.
        await Task.yield()
        return state.withLock { state in
            if behaviour != .allocateNotIdempotent, let existing = state.vms[request.allocationID] {
                return existing
            }
            let number = behaviour == .sharedBackendRef ? 1 : state.next
            state.next += 1
            let vm = VmAllocation(
                allocationID: request.allocationID, backend: name, backendRef: "ref-\(number)",
                ipv4: "192.0.2.\(number % 250 + 1)", ipv6: "2001:db8::\(String(number, radix: 16))",
                hostname: request.hostname, sshPort: 22)
            state.vms[request.allocationID] = vm
            state.released.remove(request.allocationID)
            return vm
        }
    }

    func release(_ allocation: VmAllocation, logger: Logger) async throws {
        let existed = state.withLock { state in
            state.released.insert(allocation.allocationID)
            return state.vms.removeValue(forKey: allocation.allocationID) != nil
        }
        if !existed, behaviour == .releaseOfGoneThrows {
            throw ProvisionerError.notFound("No VM for \(allocation.allocationID).")
        }
    }

    func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus {
        state.withLock { state in
            if state.vms[allocation.allocationID] != nil { return VmStatus(powerState: .running) }
            if behaviour == .statusAfterReleaseNotGone, state.released.contains(allocation.allocationID) {
                return VmStatus(powerState: .running, operatorDetail: "stale cache")
            }
            return VmStatus(powerState: .gone)
        }
    }
}
