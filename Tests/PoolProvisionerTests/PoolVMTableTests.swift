import Foundation
import Testing

@testable import PoolProvisioner

/// The packed pool: every field reads back as written, and equal bytes mean equal VMs.
struct PoolVMTableTests {
    static let vms = [
        PoolVM(id: "a"),
        PoolVM(
            id: "b-with-a-long-identifier-over-fifteen-bytes", name: "é漢😀", ipv4: "192.0.2.1", ipv6: "2001:db8::1",
            sshHost: "b.example", sshPort: 65_535, cockpitURL: "https://b.example:9090/", plans: ["small", "large"],
            tags: ["eu", ""], status: .maintenance, host: "host-1"),
        PoolVM(id: "c", plans: [], tags: []),
        PoolVM(id: "d", sshPort: 1, plans: nil, tags: ["only-tags"]),
        PoolVM(id: "e", sshPort: -5, host: ""),
    ]

    @Test func everyFieldReadsBackAsWritten() {
        let table = PoolVMTable(Self.vms)
        #expect(Array(table) == Self.vms)
        #expect(table.count == Self.vms.count)
        #expect(table.indices.map { table.isAvailable(at: $0) } == Self.vms.map { $0.status == .available })
        #expect(table.indices.map { table.listsPlans(at: $0) } == Self.vms.map { $0.plans != nil })
        #expect(table.indices.map { table.id(at: $0) } == Self.vms.map(\.id))
        #expect(PoolVMTable([]).isEmpty)
    }

    /// A refresh encodes parts straight from the packed bytes: the text must be what
    /// `JSONEncoder` gives for those VMs (sorted keys, slashes unescaped), escapes and absent
    /// fields included, for any run of the table.
    @Test func encodingFromThePackedBytesGivesTheSameJSON() throws {
        var vms = Self.vms
        vms.append(PoolVM(id: "q\"uote\\back\u{1}ctl\n", name: "tab\there", tags: ["\u{7f}", "/slash"]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func expected(_ run: ArraySlice<PoolVM>) throws -> String {
            String(decoding: try encoder.encode(Array(run)), as: UTF8.self)
        }
        let table = PoolVMTable(vms)
        #expect(PoolCatalogJSON.encode(table, range: 0..<vms.count) == (try expected(vms[...])))
        #expect(PoolCatalogJSON.encode(table, range: 1..<3) == (try expected(vms[1..<3])))
        #expect(PoolCatalogJSON.encode(table, range: 2..<2) == "[]")
    }

    @Test func runsAreEqualExactlyWhenTheirBytesAre() {
        let table = PoolVMTable(Self.vms)
        let same = PoolVMTable(Self.vms)
        #expect(table.encoded(0..<5) == same.encoded(0..<5))
        for (position, vm) in Self.vms.enumerated() {
            var changed = Self.vms
            changed[position].tags.append("x")
            #expect(PoolVMTable(changed).encoded(0..<5) != table.encoded(0..<5))
            var other = vm
            other.plans = other.plans == nil ? [] : nil
            #expect(PoolVMTable([other]).encoded(0..<1) != PoolVMTable([vm]).encoded(0..<1))
        }
    }

    /// Stored parts are the packed bytes: reading them back checked gives the same VMs.
    @Test func checkedReadingGivesBackTheSameVMs() throws {
        let table = PoolVMTable(Self.vms)
        #expect(Array(try PoolVMTable(checking: table.encoded(0..<Self.vms.count))) == Self.vms)
        #expect(Array(try PoolVMTable(checking: table.encoded(1..<3))) == Array(Self.vms[1..<3]))
        #expect(try PoolVMTable(checking: [][...]).isEmpty)
    }

    /// A damaged part (cut short anywhere, a flag no layout knows, a length past the end, bytes
    /// that are not UTF-8) is an error naming the byte, never a crash.
    @Test func damagedBytesAreAnErrorNotACrash() throws {
        let table = PoolVMTable(Self.vms)
        let bytes = Array(table.encoded(0..<Self.vms.count))
        // Where a VM ends, the bytes before are whole VMs.
        let ends = Set(table.indices.map { table.encoded(0..<($0 + 1)).count })
        for length in 1..<bytes.count where !ends.contains(length) {
            #expect(throws: PoolCatalogError.self, "cut at \(length)") {
                try PoolVMTable(checking: bytes[0..<length])
            }
        }
        let unknownFlag: [UInt8] = [0, 0x80, 1, UInt8(ascii: "a")]
        let error = try #require(throws: PoolCatalogError.self) { try PoolVMTable(checking: unknownFlag[...]) }
        #expect(error.message.contains("unknown flags") && error.message.contains("at byte 1"))
        #expect(throws: PoolCatalogError.self) { try PoolVMTable(checking: [0, 0, 9, UInt8(ascii: "a")][...]) }
        #expect(throws: PoolCatalogError.self) { try PoolVMTable(checking: [0, 0, 2, 0xC3, 0x28][...]) }
        #expect(throws: PoolCatalogError.self) {
            try PoolVMTable(checking: ([0, 0] + [UInt8](repeating: 0xFF, count: 11))[...])
        }
    }

    /// A refresh cuts the parts as the table grows, a step at a time: the cuts must be those of
    /// the whole table, or parts would not be found unchanged from one refresh to the next.
    @Test func cuttingAsTheTableGrowsGivesTheSameParts() {
        let vms = (0..<5_000).map { PoolVM(id: "vm-\($0)") }
        let whole = PoolCatalogLayout.ranges(of: PoolVMTable(vms))
        #expect(whole.count > 5)
        for step in [1, 100, 4_096] {
            var table = PoolVMTable(capacity: vms.count)
            var cutter = PoolCatalogLayout.Cutter()
            var ranges: [Range<Int>] = []
            for start in stride(from: 0, to: vms.count, by: step) {
                for vm in vms[start..<min(start + step, vms.count)] { table.append(vm) }
                ranges += cutter.cut(table)
            }
            if let last = cutter.rest(of: table) { ranges.append(last) }
            #expect(ranges == whole, "step \(step)")
        }
    }

    @Test func theIndexFindsEveryIDAndNoOther() throws {
        let vms = (0..<2_000).map { PoolVM(id: "vm-\($0)") }
        let table = PoolVMTable(vms)
        let index = PoolIDIndex(table)
        for position in [0, 1, 999, 1_999] { #expect(index.position(of: "vm-\(position)", in: table) == position) }
        #expect(index.position(of: "vm-2000", in: table) == nil)
        #expect(index.position(of: "", in: table) == nil)
        #expect(throws: PoolCatalogError.self) { try (vms + [PoolVM(id: "vm-7")]).validatedIndex() }
        let repeated = try #require(throws: PoolCatalogError.self) {
            try PoolVMTable.validated(vms + [PoolVM(id: "vm-7")])
        }
        #expect(repeated.index == 2_000 && repeated.field == "id" && repeated.message.contains("pool[7]"))
        let (checked, checkedIndex) = try PoolVMTable.validated(vms)
        #expect(Array(checked) == vms)
        #expect(checkedIndex.position(of: "vm-1999", in: checked) == 1_999)
    }
}
