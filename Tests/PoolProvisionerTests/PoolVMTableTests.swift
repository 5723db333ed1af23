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

    @Test func theIndexFindsEveryIDAndNoOther() throws {
        let vms = (0..<2_000).map { PoolVM(id: "vm-\($0)") }
        let table = PoolVMTable(vms)
        let index = PoolIDIndex(table)
        for position in [0, 1, 999, 1_999] { #expect(index.position(of: "vm-\(position)", in: table) == position) }
        #expect(index.position(of: "vm-2000", in: table) == nil)
        #expect(index.position(of: "", in: table) == nil)
        #expect(throws: PoolCatalogError.self) { try (vms + [PoolVM(id: "vm-7")]).validatedIndex() }
    }
}
