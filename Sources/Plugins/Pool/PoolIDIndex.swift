/// Finds a VM's position in a pool by its id: an open-addressing table of 32-bit slots (about 8
/// bytes a VM) instead of a `[String: Int]` that keeps a second copy of every id (about 50 bytes a
/// VM), hashed with FNV-1a instead of SipHash, so building it for 100,000 VMs takes a few
/// milliseconds.
///
/// A slot holds `position + 1` in its low bits (as many as the capacity needs) and the id's hash
/// in the bits above (15 of them for 100,000 VMs), so a probe reads a VM's id only when those
/// match: comparing ids at every occupied slot on the way was a third of a refresh's checking time,
/// each one a cache miss into the packed VMs.
struct PoolIDIndex: Sendable {
    /// Hash bits, then `position + 1`; 0 for an empty slot. The count is a power of two at least
    /// twice the pool.
    private var slots: [UInt32]
    /// How many low bits of a slot hold `position + 1`.
    private let positionBits: UInt32
    /// Whether every position inserted was recorded: no id was inserted twice. A refresh reuses
    /// only such an index (``PoolCheckedPacker``).
    private(set) var holdsEveryPosition = true

    /// An empty index with room for `capacity` VMs.
    init(capacity: Int) {
        precondition(capacity < Int(UInt32.max), "a pool holds fewer than 2^32 VMs")
        var size = 8
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt32](repeating: 0, count: size)
        var bits: UInt32 = 1
        while UInt64(capacity) >= UInt64(1) << bits { bits += 1 }
        positionBits = bits
    }

    /// Indexes every VM of `table`; a repeated id keeps its first position.
    init(_ table: PoolVMTable) {
        self.init(capacity: table.count)
        for position in table.indices { _ = insert(position, in: table) }
    }

    /// Records the VM at `position` of `table` (the last one appended, as the table is built).
    ///
    /// - Returns: The position already recorded for its id (then nothing changes), or `nil`.
    mutating func insert(_ position: Int, in table: PoolVMTable) -> Int? {
        let id = table.idBytes(at: position)
        return insert(position, hash: Self.hash(id)) { table.idBytes(at: $0) == id }
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
        let tag = tag(hash)
        var slot = hash & mask
        while slots[slot] != 0 {
            let entry = slots[slot]
            if entry & ~positionMask == tag, sameID(self.position(entry)) {
                holdsEveryPosition = false
                return self.position(entry)
            }
            slot = (slot + 1) & mask
        }
        precondition(position < Int(positionMask), "the index holds as many VMs as its capacity")
        slots[slot] = tag | UInt32(position + 1)
        return nil
    }

    private func position(hash: Int, sameID: (Int) -> Bool) -> Int? {
        let mask = slots.count - 1
        let tag = tag(hash)
        var slot = hash & mask
        while slots[slot] != 0 {
            let entry = slots[slot]
            if entry & ~positionMask == tag, sameID(self.position(entry)) { return self.position(entry) }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Whether this index and `other` are one table (a refresh took the previous pool's index).
    func sharesStorage(with other: PoolIDIndex) -> Bool {
        slots.withUnsafeBufferPointer { mine in
            other.slots.withUnsafeBufferPointer { mine.baseAddress == $0.baseAddress }
        }
    }

    private var positionMask: UInt32 { positionBits >= 32 ? .max : (1 << positionBits) - 1 }

    /// The hash bits a slot keeps: from the hash's high half (its low bits choose the slot).
    private func tag(_ hash: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: UInt(bitPattern: hash) >> 32) & ~positionMask
    }

    private func position(_ entry: UInt32) -> Int { Int(entry & positionMask) - 1 }

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
