/// How a pool's catalog is cut into stored parts: which VMs (a range of positions in the pool)
/// each part holds, and the part's id in the store.
///
/// Cuts fall after a VM whose id hashes to a set pattern (content-defined, about one VM in 512,
/// at least 64 and at most 2,048 VMs a part), so inserting or removing VMs moves the cuts only
/// near the change and the other parts are stored unchanged.
struct PoolCatalogLayout: Sendable {
    struct Part: Sendable {
        var id: Int64
        var range: Range<Int>
    }

    var parts: [Part]

    static let minimumVMs = 64
    static let maximumVMs = 2_048
    /// A cut falls after a VM whose id hash has these low bits all set (about one VM in 512).
    static let cutMask = 511

    /// Where the parts of `vms` begin and end.
    static func ranges(of vms: PoolVMTable) -> [Range<Int>] {
        var cutter = Cutter()
        var ranges = cutter.cut(vms)
        if let last = cutter.rest(of: vms) { ranges.append(last) }
        return ranges
    }

    /// Finds the parts of a table as it grows: each call cuts what was appended since the last.
    struct Cutter {
        /// Where the part not cut yet begins.
        private(set) var start = 0
        private var next = 0

        /// The parts that end within the VMs appended to `vms` since the last call.
        mutating func cut(_ vms: PoolVMTable) -> [Range<Int>] {
            var ranges: [Range<Int>] = []
            while next < vms.count {
                let position = next
                next += 1
                let size = position - start + 1
                let cut =
                    size >= maximumVMs
                    || (size >= minimumVMs && PoolIDIndex.hash(vms.idBytes(at: position)) & cutMask == cutMask)
                if cut {
                    ranges.append(start..<next)
                    start = next
                }
            }
            return ranges
        }

        /// The last part, once every VM is in `vms`: what follows the last cut, if anything.
        mutating func rest(of vms: PoolVMTable) -> Range<Int>? {
            precondition(next == vms.count, "cut(_:) has seen every VM")
            guard start < vms.count else { return nil }
            defer { start = vms.count }
            return start..<vms.count
        }
    }

    /// The stored part of `previous` holding exactly `vms[range]`, if there is one.
    static func unchangedPart(
        _ range: Range<Int>, of vms: PoolVMTable, in previous: PoolSnapshot, startingAt: [Int: Part]
    ) -> Int64? {
        guard let start = previous.position(of: vms.id(at: range.lowerBound)), let part = startingAt[start],
            part.range.count == range.count, previous.vms.encoded(part.range) == vms.encoded(range)
        else { return nil }
        return part.id
    }
}
