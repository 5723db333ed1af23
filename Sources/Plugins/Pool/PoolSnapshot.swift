/// The pool as one immutable value, replaced whole by a refresh; readers take one snapshot per
/// request and use only that.
struct PoolSnapshot: Sendable {
    /// The catalog generation this snapshot came from (0: the config source, not yet stored).
    let generation: Int64
    /// The VMs, in the order the operator listed them.
    let vms: [PoolVM]
    private let positions: [String: Int]

    init(generation: Int64, vms: [PoolVM]) {
        self.generation = generation
        self.vms = vms
        var positions: [String: Int] = [:]
        positions.reserveCapacity(vms.count)
        for (index, vm) in vms.enumerated() { positions[vm.id] = index }
        self.positions = positions
    }

    /// The VM with `id`, if it is in this pool.
    func vm(_ id: String) -> PoolVM? { positions[id].map { vms[$0] } }

    var count: Int { vms.count }
}
