import Logging
import PostgresNIO

extension PostgresStore {
    /// Reads the counts in one transaction that takes no lock and writes nothing.
    public func admissionCounts(userID: String, plan: String, reservation: ReservationLimit?) async throws
        -> AdmissionCounts
    {
        try await transaction { c in
            let activePaid = try await Self.countActivePaid(userID: userID, c, logger)
            guard let reservation else { return AdmissionCounts(activePaid: activePaid) }
            let occupancy = try await Self.occupancy(of: reservation, plan: plan, folding: false, c, logger)
            return AdmissionCounts(
                activePaid: activePaid, occupiedForPlan: occupancy.plan, occupiedInAll: occupancy.total)
        }
    }
}
