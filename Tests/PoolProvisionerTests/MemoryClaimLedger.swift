import ProvisionerAPI
import Synchronization

/// An in-memory ``ClaimLedger`` and ``CatalogStore`` for the plugin's unit tests (the Host's
/// store-backed ledger is tested in HostTests), which tells waiters about every change.
final class MemoryClaimLedger: ClaimLedger, CatalogStore {
    private struct State {
        var claims: [String: ResourceClaim] = [:]
        var catalog: StoredCatalog?
        var waiters: [AsyncStream<Void>.Continuation] = []
        var wholeReads = 0
    }

    private let state = Mutex(State())

    func claim(_ resource: String, for allocationID: String) async throws -> ClaimOutcome {
        try await claim(resource, for: allocationID, attempt: nil)
    }

    /// Claims and tags with the attempt (nothing to fence by in memory).
    func claim(_ resource: String, for allocationID: String, attempt: Int?) async throws -> ClaimOutcome {
        changed {
            if let held = $0.claims.values.first(where: { $0.allocationID == allocationID && $0.state == .assigned }) {
                return held.resource == resource ? .alreadyHeld : .allocationHoldsOther(held)
            }
            if let other = $0.claims[resource] { return .unavailable(other) }
            $0.claims[resource] = ResourceClaim(
                resource: resource, allocationID: allocationID, state: .assigned, attempt: attempt)
            return .claimed
        }
    }

    func claim(of allocationID: String) async throws -> ResourceClaim? {
        state.withLock { $0.claims.values.first { $0.allocationID == allocationID } }
    }

    func setState(_ claimState: ClaimState, of resource: String, for allocationID: String, note: String?)
        async throws -> Bool
    {
        changed {
            guard $0.claims[resource]?.allocationID == allocationID else { return false }
            $0.claims[resource]?.state = claimState
            $0.claims[resource]?.note = note
            return true
        }
    }

    func release(_ resource: String, for allocationID: String) async throws -> Bool {
        changed {
            guard $0.claims[resource]?.allocationID == allocationID else { return false }
            $0.claims[resource] = nil
            return true
        }
    }

    func claims() async throws -> [ResourceClaim] {
        state.withLock {
            $0.wholeReads += 1
            return $0.claims.values.sorted { $0.resource < $1.resource }
        }
    }

    /// How many times ``claims()`` read every claim.
    var wholeReads: Int { state.withLock { $0.wholeReads } }

    func save(_ payload: String) async throws -> Int64 {
        changed {
            let next = ($0.catalog?.generation ?? 0) + 1
            $0.catalog = StoredCatalog(generation: next, payload: payload)
            return next
        }
    }

    func seed(_ payload: String) async throws -> StoredCatalog {
        changed {
            if let existing = $0.catalog { return existing }
            let seeded = StoredCatalog(generation: 1, payload: payload)
            $0.catalog = seeded
            return seeded
        }
    }

    func load() async throws -> StoredCatalog? { state.withLock { $0.catalog } }
    func generation() async throws -> Int64? { state.withLock { $0.catalog?.generation } }

    /// Waits until `condition` holds for the claims (checked after every change).
    func waitUntil(_ condition: @escaping @Sendable ([ResourceClaim]) -> Bool) async {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        let satisfied = state.withLock { state -> Bool in
            if condition(Array(state.claims.values)) { return true }
            state.waiters.append(continuation)
            return false
        }
        if satisfied { return }
        for await _ in stream {
            if condition(try! await claims()) { return }
        }
    }

    private func changed<T>(_ body: (inout State) -> T) -> T {
        let (result, waiters) = state.withLock { state in (body(&state), state.waiters) }
        for waiter in waiters { waiter.yield() }
        return result
    }
}
