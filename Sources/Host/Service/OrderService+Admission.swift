import Logging
import ProvisionerAPI

/// Admission control: whether the backend can take one more order, asked before it is stored.
extension OrderService {
    /// Asks a backend that reports capacity whether the plan fits now; fails closed.
    func checkCapacity(plan: PlanSpec, logger: Logger) async throws {
        guard let reporting = backend as? any CapacityReporting else { return }
        let hasCapacity: Bool
        do {
            hasCapacity = try await reporting.hasCapacity(for: plan, logger: logger)
        } catch let error as ProvisionerError where [.poolExhausted, .capacityUnavailable].contains(error.code) {
            throw error
        } catch {
            let wrapped = ProvisionerError.wrapping(error)
            throw ProvisionerError.capacityUnavailable("capacity check failed: \(wrapped)")
        }
        guard hasCapacity else {
            throw ProvisionerError.capacityUnavailable(
                "backend \(backend.name) reports no capacity for plan \(plan.name)")
        }
    }

    /// The backend's capacity slots for `plan` when it counts them; `nil` when it does not or has
    /// no limit. Fails closed: a count that fails refuses the order with `capacity_unavailable`.
    func capacitySlots(plan: PlanSpec, logger: Logger) async throws -> CapacitySlots? {
        guard let counting = backend as? any CapacityCounting else { return nil }
        do {
            return try await counting.capacitySlots(for: plan, logger: logger)
        } catch {
            let wrapped = ProvisionerError.wrapping(error)
            throw ProvisionerError.capacityUnavailable("capacity count failed: \(wrapped)")
        }
    }
}
