import PoolProvisioner
import ProvisionerAPI

/// Which allocations still hold a VM that a pool refresh removed (`orphaned_from_pool`).
///
/// Such VMs stay assigned until released; the admin routes mark their rows. Backends other than
/// the pool have no orphans.
struct OrphanReport: Sendable {
    /// VM ids by allocation id.
    let orphanedAllocations: @Sendable () async throws -> [String: String]

    /// The report of `backend`: the pool's ``PoolAssignmentProvisioner/orphanedAllocations()``, or none.
    static func of(_ backend: any Provisioner) -> OrphanReport {
        guard let pool = backend as? PoolAssignmentProvisioner else { return OrphanReport { [:] } }
        return OrphanReport { try await pool.orphanedAllocations() }
    }
}
