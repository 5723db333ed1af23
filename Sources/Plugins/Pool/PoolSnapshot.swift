/// The pool as one immutable value, replaced whole by a refresh; readers take one snapshot per
/// request and use only that.
struct PoolSnapshot: Sendable {
    /// The catalog generation this snapshot came from (0: the config source, not yet stored).
    let generation: Int64
    /// The VMs, in the order the operator listed them (packed: ``PoolVMTable``).
    let vms: PoolVMTable
    /// Each VM's position by id (a refresh that keeps the ids reuses it: ``PoolCheckedPacker``).
    let index: PoolIDIndex
    /// Which stored catalog part holds which VMs, when the catalog was stored in parts (a refresh
    /// rewrites only the parts whose VMs changed).
    let layout: PoolCatalogLayout?
    /// How many VMs are `available`.
    let availableCount: Int
    /// How many `available` VMs serve every plan (list no `plans`).
    private let availableForEveryPlan: Int
    /// How many `available` VMs that list their plans serve each plan.
    private let availableByPlan: [String: Int]

    /// A snapshot of `vms`, checked already (the config source is checked when it is parsed).
    init(generation: Int64, vms: [PoolVM]) {
        let table = PoolVMTable(vms)
        self.init(generation: generation, table: table, index: PoolIDIndex(table), layout: nil)
    }

    /// A snapshot of the VMs `packer` checked and packed.
    init(generation: Int64, packed packer: consuming PoolCheckedPacker) {
        self.init(generation: generation, table: packer.table, index: packer.finishedIndex(), layout: nil)
    }

    /// A snapshot of `vms` after checking each and that ids are unique, in one pass over them.
    ///
    /// - Throws: ``PoolCatalogError`` naming the first bad entry and field.
    init(generation: Int64, validating vms: [PoolVM], layout: PoolCatalogLayout? = nil) throws(PoolCatalogError) {
        let (table, index) = try PoolVMTable.validated(vms)
        self.init(generation: generation, table: table, index: index, layout: layout)
    }

    private init(generation: Int64, table: PoolVMTable, index: PoolIDIndex, layout: PoolCatalogLayout?) {
        self.generation = generation
        self.vms = table
        self.index = index
        self.layout = layout
        var availableCount = 0
        var availableForEveryPlan = 0
        var availableByPlan: [String: Int] = [:]
        for position in table.indices where table.isAvailable(at: position) {
            availableCount += 1
            guard table.listsPlans(at: position), let plans = table[position].plans else {
                availableForEveryPlan += 1
                continue
            }
            for plan in Set(plans) { availableByPlan[plan, default: 0] += 1 }
        }
        self.availableCount = availableCount
        self.availableForEveryPlan = availableForEveryPlan
        self.availableByPlan = availableByPlan
    }

    /// The same VMs as `generation`, stored with `layout`.
    func stored(as generation: Int64, layout: PoolCatalogLayout?) -> PoolSnapshot {
        PoolSnapshot(generation: generation, table: vms, index: index, layout: layout)
    }

    /// The VM with `id`, if it is in this pool.
    func vm(_ id: String) -> PoolVM? { position(of: id).map { vms[$0] } }

    /// Where the VM with `id` is in ``vms``, if it is in this pool.
    func position(of id: String) -> Int? { index.position(of: id, in: vms) }

    /// How many `available` VMs serve `plan`, held or free.
    func availableCount(servingPlan plan: String) -> Int {
        availableForEveryPlan + availableByPlan[plan, default: 0]
    }

    var count: Int { vms.count }
}
