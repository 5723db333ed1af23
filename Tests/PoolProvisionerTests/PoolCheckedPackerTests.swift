import Testing

@testable import PoolProvisioner

#if canImport(Glibc)
    import Glibc
#endif

/// A refresh that lists the previous pool's ids in the same order takes its id index; any other
/// refresh builds one, and a repeated id is refused wherever it appears.
struct PoolCheckedPackerTests {
    static let ids = (0..<3_000).map { "vm-\($0)" }

    static func pool(_ ids: [String], tag: String = "old") -> [PoolVM] {
        ids.map { PoolVM(id: $0, tags: [tag]) }
    }

    static func previous(_ ids: [String] = ids) throws -> PoolSnapshot {
        try PoolSnapshot(generation: 1, validating: pool(ids))
    }

    /// Packs `vms` in runs of `step`, as a refresh does, replacing `previous`.
    static func packed(_ vms: [PoolVM], replacing previous: PoolSnapshot?, step: Int = 1_000)
        throws(PoolCatalogError) -> PoolSnapshot
    {
        var packer = PoolCheckedPacker(capacity: vms.count, replacing: previous)
        var start = 0
        while start < vms.count {
            let end = min(start + step, vms.count)
            try packer.append(vms[start..<end])
            start = end
        }
        return PoolSnapshot(generation: 2, packed: packer)
    }

    /// Every VM is found at its position, and an id not in the pool is not found.
    static func expectIndexed(_ snapshot: PoolSnapshot, _ ids: [String], absent: [String] = ["vm-none"]) {
        for (position, id) in ids.enumerated() where snapshot.position(of: id) != position {
            Issue.record("\(id) should be at \(position), found \(String(describing: snapshot.position(of: id)))")
            return
        }
        for id in absent { #expect(snapshot.position(of: id) == nil, "\(id)") }
    }

    @Test func theSameIDsInTheSameOrderTakeThePreviousIndex() throws {
        let previous = try Self.previous()
        let refreshed = try Self.packed(Self.pool(Self.ids, tag: "new"), replacing: previous)
        #expect(refreshed.index.sharesStorage(with: previous.index))
        #expect(refreshed.vms[2_999].tags == ["new"])
        Self.expectIndexed(refreshed, Self.ids)
    }

    @Test(arguments: [0, 999, 1_000, 2_999])
    func anIDThatDiffersBuildsAnIndexOfEveryVM(at position: Int) throws {
        let previous = try Self.previous()
        var ids = Self.ids
        ids[position] = "vm-new"
        let refreshed = try Self.packed(Self.pool(ids), replacing: previous)
        #expect(!refreshed.index.sharesStorage(with: previous.index))
        Self.expectIndexed(refreshed, ids, absent: ["vm-\(position)"])
    }

    @Test func aShorterOrLongerPoolBuildsItsOwnIndex() throws {
        let previous = try Self.previous()
        let shorter = Array(Self.ids.prefix(2_000))
        let fewer = try Self.packed(Self.pool(shorter), replacing: previous)
        Self.expectIndexed(fewer, shorter, absent: ["vm-2000", "vm-2999"])
        let longer = Self.ids + ["vm-3000", "vm-3001"]
        let more = try Self.packed(Self.pool(longer), replacing: previous)
        Self.expectIndexed(more, longer)
    }

    @Test func aRepeatedIDIsRefusedAfterTheIDsStopMatching() throws {
        let previous = try Self.previous()
        // Matches the previous pool up to 2,500, then repeats an id it matched earlier.
        var ids = Self.ids
        ids[2_500] = "vm-10"
        let repeated = try #require(throws: PoolCatalogError.self) {
            try Self.packed(Self.pool(ids), replacing: previous)
        }
        #expect(repeated.index == 2_500 && repeated.field == "id" && repeated.message.contains("pool[10]"))
        // A longer pool whose extra entry repeats an id of the matched ones.
        let longer = try #require(throws: PoolCatalogError.self) {
            try Self.packed(Self.pool(Self.ids + ["vm-0"]), replacing: previous)
        }
        #expect(longer.index == 3_000 && longer.message.contains("pool[0]"))
    }

    @Test func anIndexThatDroppedARepeatedIDIsNotReused() throws {
        // The provisioner's own init trusts its caller; such a pool's index lacks a position.
        let ids = ["a", "b", "a"]
        let unchecked = PoolSnapshot(generation: 0, vms: Self.pool(ids))
        #expect(!unchecked.index.holdsEveryPosition)
        let repeated = try #require(throws: PoolCatalogError.self) {
            try Self.packed(Self.pool(ids), replacing: unchecked)
        }
        #expect(repeated.index == 2 && repeated.message.contains("pool[0]"))
    }

    @Test func aBadEntryIsRefusedWhileTheIDsMatch() throws {
        let previous = try Self.previous()
        var vms = Self.pool(Self.ids)
        vms[1_500] = PoolVM(id: "vm-1500", ipv4: "not-an-address")
        let bad = try #require(throws: PoolCatalogError.self) { try Self.packed(vms, replacing: previous) }
        #expect(bad.index == 1_500 && bad.field == "ipv4")
    }
}
