#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension PoolVM {
    /// The first field that is not acceptable, with what is wrong with it.
    func problem() -> (field: String, message: String)? {
        // By code point, as the OpenAPI document's maxLength and pattern count and match.
        if !Self.isValidID(id) {
            return ("id", "must be a non-empty string of at most 200 characters without spaces")
        }
        if let sshPort, !(1...65535).contains(sshPort) {
            return ("ssh_port", "must be between 1 and 65535, got \(sshPort)")
        }
        if let ipv4, !Self.isAddress(ipv4, family: AF_INET) {
            return ("ipv4", "'\(ipv4)' is not an IPv4 address")
        }
        if let ipv6, !Self.isAddress(ipv6, family: AF_INET6) {
            return ("ipv6", "'\(ipv6)' is not an IPv6 address")
        }
        if let cockpitURL,
            !["https://", "http://"].contains(where: { cockpitURL.unicodeScalars.starts(with: $0.unicodeScalars) })
        {
            return ("cockpit_url", "must be an http:// or https:// URL")
        }
        if let plans, plans.contains(where: \.isEmpty) {
            return ("plans", "plan names must not be empty")
        }
        return nil
    }

    /// Non-empty, at most 200 code points, no whitespace. An ASCII id (the usual kind) is checked
    /// byte by byte: looking up Unicode properties per scalar cost a refresh of 100,000 VMs ~50 ms.
    private static func isValidID(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard !utf8.isEmpty else { return false }
        // ASCII whitespace: tab, line feed, vertical tab, form feed, carriage return, space.
        let ascii = utf8.withContiguousStorageIfAvailable { bytes -> Bool? in
            var whitespace = false
            for byte in bytes {
                if byte >= 0x80 { return nil }
                whitespace = whitespace || (0x09...0x0D).contains(byte) || byte == 0x20
            }
            return bytes.count <= 200 && !whitespace
        }
        if let valid = ascii ?? nil { return valid }
        return id.unicodeScalars.count <= 200 && !id.unicodeScalars.contains(where: \.properties.isWhitespace)
    }

    /// Whether all of `text` is an address of `family`, as `inet_pton` reads it. `inet_pton` reads
    /// a C string, which ends at the first NUL: handed the `String`, it read "192.0.2.1\0junk" as
    /// 192.0.2.1. A text with a NUL in it is no address; the rest is copied, NUL-terminated, into
    /// a buffer on the stack.
    static func isAddress(_ text: String, family: Int32) -> Bool {
        if let valid = text.utf8.withContiguousStorageIfAvailable({ isAddress(utf8: $0, family: family) }) {
            return valid
        }
        return Array(text.utf8).withUnsafeBufferPointer { isAddress(utf8: $0, family: family) }
    }

    private static func isAddress(utf8: UnsafeBufferPointer<UInt8>, family: Int32) -> Bool {
        // INET6_ADDRSTRLEN is 46: no longer text is an address.
        guard utf8.count < 64, !utf8.contains(0) else { return false }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64 + 16) { buffer in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(utf8))
            buffer[utf8.count] = 0
            // The parsed address goes to the 16 bytes after the text's 64.
            return inet_pton(family, buffer.baseAddress!, buffer.baseAddress! + 64) == 1
        }
    }
}

extension [PoolVM] {
    /// Checks every entry and that ids are unique.
    ///
    /// - Throws: ``PoolCatalogError`` naming the first bad entry and field.
    func validated() throws(PoolCatalogError) -> [PoolVM] {
        _ = try validatedIndex()
        return self
    }

    /// Checks every entry and that ids are unique, and returns the id index built on the way (a
    /// snapshot of these VMs uses it instead of building its own).
    ///
    /// - Throws: ``PoolCatalogError`` naming the first bad entry and field.
    func validatedIndex() throws(PoolCatalogError) -> PoolIDIndex {
        var index = PoolIDIndex(capacity: count)
        for (position, vm) in enumerated() {
            if let problem = vm.problem() {
                throw PoolCatalogError(index: position, field: problem.field, message: problem.message)
            }
            if let first = index.insert(position, id: vm.id, in: self) {
                throw PoolCatalogError(
                    index: position, field: "id", message: "duplicate VM id '\(vm.id)' (first used by pool[\(first)])")
            }
        }
        return index
    }
}

extension PoolVMTable {
    /// Checks every VM of `vms` and that ids are unique while packing them, in one pass: the
    /// table and its id index, ready for a snapshot. A refresh of 100,000 VMs validated, then
    /// packed, then indexed them, three walks over the `PoolVM`s.
    ///
    /// - Throws: ``PoolCatalogError`` naming the first bad entry and field.
    static func validated(_ vms: [PoolVM]) throws(PoolCatalogError) -> (table: PoolVMTable, index: PoolIDIndex) {
        var packer = PoolCheckedPacker(capacity: vms.count)
        try packer.append(vms[...])
        return (packer.table, packer.finishedIndex())
    }
}

/// Packs VMs into a ``PoolVMTable`` after checking each, and indexes their ids on the way (a
/// repeated id is refused), a run of VMs at a time: a refresh stores the parts of one run while
/// it checks the next.
///
/// A refresh usually lists the VMs the pool already has, in the same order, with some of their
/// fields changed. While every id so far is the previous pool's id at the same position, the
/// packer compares ids with that pool (reading both tables in order) instead of indexing them, and
/// takes the previous pool's index when the new one turns out to hold the same ids: a probe into a
/// 1 MB index is a cache miss for every VM, a fifth of a refresh's checking. At the first id that
/// differs, it indexes the positions it passed and goes on indexing as without a previous pool.
struct PoolCheckedPacker {
    private(set) var table: PoolVMTable
    private var index: PoolIDIndex
    private let capacity: Int
    /// The pool this one replaces, while every id so far matched its ids position for position
    /// (then `index` is still empty); `nil` once one differed, or without a previous pool.
    private var matching: PoolSnapshot?
    /// Whether the table was sized from the first run (once: `reserveCapacity` does not grow
    /// geometrically, so sizing it after every run could copy it every run).
    private var sized = false

    /// An empty table and index with room for `capacity` VMs; `previous` is the pool the new one
    /// replaces (its index is reused when the ids are the same).
    init(capacity: Int, replacing previous: PoolSnapshot? = nil) {
        self.capacity = capacity
        table = PoolVMTable(capacity: capacity)
        index = PoolIDIndex(capacity: capacity)
        matching = previous.flatMap { $0.index.holdsEveryPosition ? $0 : nil }
    }

    /// Checks and appends `vms`, the pool's next entries (their indices are their positions).
    ///
    /// - Throws: ``PoolCatalogError`` naming the first bad entry and field; the entries before it
    ///   stay appended.
    mutating func append(_ vms: ArraySlice<PoolVM>) throws(PoolCatalogError) {
        precondition(vms.startIndex == table.count, "entries are appended in order")
        // Each VM is borrowed from the array's storage: iterating the slice copied every VM (its
        // strings retained and released), a fifth of this loop; reading it through the array for
        // each use copied it for each use.
        let first = vms.startIndex
        try vms.withUnsafeBufferPointer { (buffer) throws(PoolCatalogError) in
            for offset in buffer.indices { try append(buffer[offset], at: first + offset) }
        }
        if !sized {
            table.reserve(forTotal: capacity)
            sized = true
        }
    }

    private mutating func append(_ vm: PoolVM, at position: Int) throws(PoolCatalogError) {
        if let problem = vm.problem() {
            throw PoolCatalogError(index: position, field: problem.field, message: problem.message)
        }
        table.append(vm)
        if matching != nil {
            if matching?.vms.hasSameID(at: position, as: table) == true { return }
            indexPassedPositions(before: position)
        }
        if let first = index.insert(position, in: table) {
            throw PoolCatalogError(
                index: position, field: "id", message: "duplicate VM id '\(vm.id)' (first used by pool[\(first)])")
        }
    }

    /// The index of every VM appended: the previous pool's when the ids are the same as its ids.
    mutating func finishedIndex() -> PoolIDIndex {
        if let previous = matching {
            if table.count == previous.vms.count { return previous.index }
            indexPassedPositions(before: table.count)
        }
        return index
    }

    /// Stops comparing with the previous pool and indexes the positions before `position`, whose
    /// ids were the previous pool's (unique, so none is refused).
    private mutating func indexPassedPositions(before position: Int) {
        matching = nil
        for passed in 0..<position { _ = index.insert(passed, in: table) }
    }
}
