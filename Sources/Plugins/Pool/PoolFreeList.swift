/// The VMs this process believes are free, for one snapshot generation: a hint that makes picking
/// a candidate O(1). The store's claim ledger is the truth; a candidate someone else claimed in the
/// meantime is simply skipped.
struct PoolFreeList: Sendable {
    private(set) var generation: Int64
    /// Free VMs, last to be handed out first (built reversed, so pool order is kept).
    private var stack: [PoolVM]
    private var members: Set<String>

    init(generation: Int64 = -1) {
        self.generation = generation
        stack = []
        members = []
    }

    /// The free list of `snapshot`: its available VMs that no claim holds.
    init(snapshot: PoolSnapshot, claimed: Set<String>) {
        generation = snapshot.generation
        stack = snapshot.vms.reversed().filter { $0.status == .available && !claimed.contains($0.id) }
        members = Set(stack.map(\.id))
    }

    var count: Int { stack.count }

    /// Takes the next free VM that serves `plan` and whose host is not in `unavailableHosts`.
    mutating func take(servingPlan plan: String, unavailableHosts: Set<String> = []) -> PoolVM? {
        var skipped: [PoolVM] = []
        defer { stack.append(contentsOf: skipped.reversed()) }
        while let vm = stack.popLast() {
            if vm.serves(plan: plan), !vm.isOn(unavailableHosts) {
                members.remove(vm.id)
                return vm
            }
            skipped.append(vm)
        }
        return nil
    }

    /// Whether a free VM serves `plan` on an available host (without taking it).
    func contains(servingPlan plan: String, unavailableHosts: Set<String> = []) -> Bool {
        stack.reversed().contains { $0.serves(plan: plan) && !$0.isOn(unavailableHosts) }
    }

    /// The VM ``take(servingPlan:)`` would return first, skipping `excluded` ones, without taking it.
    func peek(servingPlan plan: String, excluding excluded: Set<String>) -> PoolVM? {
        stack.reversed().first { $0.serves(plan: plan) && !excluded.contains($0.id) }
    }

    /// Puts a VM back (a candidate not used, or a VM released to the pool).
    mutating func putBack(_ vm: PoolVM) {
        guard members.insert(vm.id).inserted else { return }
        stack.append(vm)
    }
}

extension PoolVM {
    /// Whether the VM names a host in `hosts`.
    func isOn(_ hosts: Set<String>) -> Bool { host.map(hosts.contains) ?? false }
}
