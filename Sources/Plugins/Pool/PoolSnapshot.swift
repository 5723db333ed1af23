/// The pool as one immutable value, replaced whole by a refresh; readers take one snapshot per
/// request and use only that.
struct PoolSnapshot: Sendable {
    /// The catalog generation this snapshot came from (0: the config source, not yet stored).
    let generation: Int64
    /// The VMs, in the order the operator listed them.
    let vms: [PoolVM]
    private let positions: [String: Int]
    /// How many VMs are `available`.
    let availableCount: Int
    /// How many `available` VMs serve every plan (list no `plans`).
    private let availableForEveryPlan: Int
    /// How many `available` VMs that list their plans serve each plan.
    private let availableByPlan: [String: Int]

    init(generation: Int64, vms: [PoolVM]) {
        self.generation = generation
        self.vms = vms
        var positions: [String: Int] = [:]
        positions.reserveCapacity(vms.count)
        var availableCount = 0
        var availableForEveryPlan = 0
        var availableByPlan: [String: Int] = [:]
        for (index, vm) in vms.enumerated() {
            positions[vm.id] = index
            guard vm.status == .available else { continue }
            availableCount += 1
            guard let plans = vm.plans else {
                availableForEveryPlan += 1
                continue
            }
            for plan in Set(plans) { availableByPlan[plan, default: 0] += 1 }
        }
        self.positions = positions
        self.availableCount = availableCount
        self.availableForEveryPlan = availableForEveryPlan
        self.availableByPlan = availableByPlan
    }

    /// The VM with `id`, if it is in this pool.
    func vm(_ id: String) -> PoolVM? { positions[id].map { vms[$0] } }

    /// How many `available` VMs serve `plan`, held or free.
    func availableCount(servingPlan plan: String) -> Int {
        availableForEveryPlan + availableByPlan[plan, default: 0]
    }

    var count: Int { vms.count }
}
