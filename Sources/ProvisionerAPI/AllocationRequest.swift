/// Everything a backend needs to create or assign one VM.
///
/// The Host chooses ``allocationID`` and commits it before calling the backend, so a backend can
/// tag what it creates with it and find it again after a crash.
public struct AllocationRequest: Sendable, Hashable {
    /// The allocation id (the API's `vm_id`), chosen by the Host before the backend is called.
    public var allocationID: String
    /// The customer the VM is for.
    public var userID: String
    /// The plan, with its sizing.
    public var plan: PlanSpec
    /// The hostname the customer asked for, if any.
    public var hostname: String?
    /// SSH public keys to install for the customer.
    public var sshPublicKeys: [String]
    /// TCP ports the customer asked to have open (already checked against policy).
    public var openPorts: [Int]
    /// Free-form metadata passed through from the order.
    public var metadata: [String: String]
    /// The attempt this call belongs to: the Host's fencing epoch for the allocation, which grows
    /// at every claim. Backends tag what they create with it beside the allocation id, so a
    /// teardown of a failed attempt (``VmAllocation/attempt``) removes that attempt's resources
    /// only. `nil` when the caller does not fence its calls.
    public var attempt: Int?
    /// The released allocation whose kept VM this one adopts instead of creating a new one (a
    /// restore); only backends adopting ``ReleaseRetaining`` honour it, others refuse it.
    public var restoredFrom: String?

    /// Creates a request.
    public init(
        allocationID: String,
        userID: String,
        plan: PlanSpec,
        hostname: String? = nil,
        sshPublicKeys: [String] = [],
        openPorts: [Int] = [],
        metadata: [String: String] = [:],
        attempt: Int? = nil,
        restoredFrom: String? = nil
    ) {
        self.allocationID = allocationID
        self.userID = userID
        self.plan = plan
        self.hostname = hostname
        self.sshPublicKeys = sshPublicKeys
        self.openPorts = openPorts
        self.metadata = metadata
        self.attempt = attempt
        self.restoredFrom = restoredFrom
    }
}
