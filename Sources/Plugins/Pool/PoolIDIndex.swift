/// Finds a VM's position in a pool by its id: an open-addressing table of 32-bit positions
/// (4 bytes a slot, about 8 bytes a VM) instead of a `[String: Int]` that keeps a second copy of
/// every id (about 50 bytes a VM), hashed with FNV-1a instead of SipHash, so building it for
/// 100,000 VMs takes a few milliseconds.
struct PoolIDIndex: Sendable {
    /// `position + 1`, or 0 for an empty slot. The count is a power of two at least twice the pool.
    private var slots: [Int32]

    /// An empty index with room for `capacity` VMs.
    init(capacity: Int) {
        var size = 8
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
    }

    /// Indexes every VM of `table`; a repeated id keeps its first position.
    init(_ table: PoolVMTable) {
        self.init(capacity: table.count)
        for position in table.indices {
            let id = table.idBytes(at: position)
            _ = insert(position, hash: Self.hash(id)) { table.idBytes(at: $0) == id }
        }
    }

    /// Records that `vms[position]` has `id`.
    ///
    /// - Returns: The position already recorded for `id` (then nothing changes), or `nil`.
    mutating func insert(_ position: Int, id: String, in vms: [PoolVM]) -> Int? {
        insert(position, hash: Self.hash(id.utf8)) { vms[$0].id == id }
    }

    /// The position of the VM with `id` in `table` (the VMs this index was built for).
    func position(of id: String, in table: PoolVMTable) -> Int? {
        position(hash: Self.hash(id.utf8)) { table.idBytes(at: $0).elementsEqual(id.utf8) }
    }

    /// Records `position` under `hash` unless a position with the same id (`sameID`) is there.
    private mutating func insert(_ position: Int, hash: Int, sameID: (Int) -> Bool) -> Int? {
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] != 0 {
            let existing = Int(slots[slot]) - 1
            if sameID(existing) { return existing }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(position + 1)
        return nil
    }

    private func position(hash: Int, sameID: (Int) -> Bool) -> Int? {
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] != 0 {
            let existing = Int(slots[slot]) - 1
            if sameID(existing) { return existing }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// FNV-1a over an id's UTF-8 bytes: stable across runs, which the catalog's content-defined
    /// part boundaries rely on too (``PoolCatalogLayout``).
    static func hash(_ utf8: some Sequence<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: hash ^ (hash >> 32))
    }
}
