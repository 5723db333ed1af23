import GRDB

extension SQLiteStore {
    public func admissionCounts(userID: String, plan: String, reservation: ReservationLimit?) async throws
        -> AdmissionCounts
    {
        try await writer.read { db in
            let activePaid = try Self.countActivePaid(db, userID: userID)
            guard let reservation else { return AdmissionCounts(activePaid: activePaid) }
            let occupancy = try Self.occupancy(of: reservation, plan: plan, db)
            return AdmissionCounts(
                activePaid: activePaid, occupiedForPlan: occupancy.plan, occupiedInAll: occupancy.total)
        }
    }
}
