/// The pool's VMs packed into one byte buffer, read back as ``PoolVM`` values on access.
///
/// A `PoolVM` is 152 bytes plus a heap allocation for each string over 15 bytes; a pool of
/// 100,000 VMs held as `[PoolVM]` costs ~20 MB. Packed, a VM costs its text plus a few bytes
/// (~40 bytes for an id and an IPv6 address), and the whole pool is two allocations. Each VM is
/// written the same way every time, so two runs of VMs are equal exactly when their bytes are
/// (a refresh compares parts of the catalog that way).
///
/// A VM's bytes: two flag bytes (which optional fields are present; maintenance; tags), the id,
/// then each present field in declaration order. Strings are a LEB128 length and UTF-8 bytes.
struct PoolVMTable: Sendable, RandomAccessCollection {
    private var bytes: [UInt8] = []
    /// Where each VM starts in ``bytes``, and one past the last.
    private var starts: [UInt32] = [0]

    init(_ vms: some Collection<PoolVM>) {
        self.init(capacity: vms.count)
        for vm in vms { append(vm) }
    }

    /// An empty table with room for about `capacity` VMs (``append(_:)`` fills it).
    init(capacity: Int) {
        starts.reserveCapacity(capacity + 1)
        bytes.reserveCapacity(capacity * 32)
    }

    /// Makes room for `count` VMs in all, as large on average as those in the table: a table
    /// filled a run at a time (a refresh) grows once to about its size instead of doubling, which
    /// copied the packed VMs and touched twice the memory.
    mutating func reserve(forTotal count: Int) {
        guard !isEmpty, count > self.count else { return }
        starts.reserveCapacity(count + 1)
        bytes.reserveCapacity(bytes.count / self.count * count * 9 / 8)
    }

    var startIndex: Int { 0 }
    var endIndex: Int { starts.count - 1 }

    subscript(position: Int) -> PoolVM { fields(at: position).vm }

    /// The bytes of the VMs in `range`: equal for two ranges exactly when their VMs are.
    func encoded(_ range: Range<Int>) -> ArraySlice<UInt8> {
        bytes[Int(starts[range.lowerBound])..<Int(starts[range.upperBound])]
    }

    /// Whether the VM at `position` is `available`, without reading the rest of it.
    func isAvailable(at position: Int) -> Bool { bytes[Int(starts[position]) + 1] & Flags.maintenance == 0 }

    /// Whether the VM at `position` lists the plans it serves.
    func listsPlans(at position: Int) -> Bool { bytes[Int(starts[position])] & Flags.plans != 0 }

    /// The id of the VM at `position`, as UTF-8 bytes.
    func idBytes(at position: Int) -> ArraySlice<UInt8> { bytes[idRange(at: position)] }

    /// Whether this table has a VM at `position` and its id is that of `other`'s VM at `position`.
    func hasSameID(at position: Int, as other: PoolVMTable) -> Bool {
        guard position < count else { return false }
        let mine = idRange(at: position)
        let theirs = other.idRange(at: position)
        guard mine.count == theirs.count else { return false }
        return bytes.withUnsafeBufferPointer { mineBytes in
            other.bytes.withUnsafeBufferPointer { theirBytes in
                mineBytes[mine].elementsEqual(theirBytes[theirs])
            }
        }
    }

    private func idRange(at position: Int) -> Range<Int> {
        var reader = Reader(bytes: bytes, at: Int(starts[position]) + 2)
        return reader.stringRange()
    }

    /// The id of the VM at `position`.
    func id(at position: Int) -> String { String(decoding: idBytes(at: position), as: UTF8.self) }

    /// Adds `vm` at the end.
    mutating func append(_ vm: PoolVM) {
        var first: UInt8 = 0
        if vm.name != nil { first |= Flags.name }
        if vm.ipv4 != nil { first |= Flags.ipv4 }
        if vm.ipv6 != nil { first |= Flags.ipv6 }
        if vm.sshHost != nil { first |= Flags.sshHost }
        if vm.sshPort != nil { first |= Flags.sshPort }
        if vm.cockpitURL != nil { first |= Flags.cockpitURL }
        if vm.plans != nil { first |= Flags.plans }
        if vm.host != nil { first |= Flags.host }
        var second: UInt8 = 0
        if vm.status == .maintenance { second |= Flags.maintenance }
        if !vm.tags.isEmpty { second |= Flags.tags }
        bytes.append(first)
        bytes.append(second)
        appendString(vm.id)
        // One call per field: a literal array of them would be a heap allocation per VM.
        if let name = vm.name { appendString(name) }
        if let ipv4 = vm.ipv4 { appendString(ipv4) }
        if let ipv6 = vm.ipv6 { appendString(ipv6) }
        if let sshHost = vm.sshHost { appendString(sshHost) }
        if let sshPort = vm.sshPort { appendNumber(UInt64(bitPattern: Int64(sshPort))) }
        if let cockpitURL = vm.cockpitURL { appendString(cockpitURL) }
        if let plans = vm.plans { appendStrings(plans) }
        if let host = vm.host { appendString(host) }
        if !vm.tags.isEmpty { appendStrings(vm.tags) }
        starts.append(UInt32(bytes.count))
    }

    private mutating func appendNumber(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private mutating func appendString(_ text: String) {
        appendNumber(UInt64(text.utf8.count))
        // A native string's bytes, copied straight from its storage.
        if text.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
            bytes.append(contentsOf: text.utf8)
        }
    }

    private mutating func appendStrings(_ texts: [String]) {
        appendNumber(UInt64(texts.count))
        for text in texts { appendString(text) }
    }

    private enum Flags {
        static let name: UInt8 = 1
        static let ipv4: UInt8 = 2
        static let ipv6: UInt8 = 4
        static let sshHost: UInt8 = 8
        static let sshPort: UInt8 = 16
        static let cockpitURL: UInt8 = 32
        static let plans: UInt8 = 64
        static let host: UInt8 = 128
        // The second byte.
        static let maintenance: UInt8 = 1
        static let tags: UInt8 = 2
    }

    /// The table whose ``encoded(_:)`` bytes are `packed`, after checking every VM in them: each
    /// length within the bytes, each string valid UTF-8, no flag this layout does not know, so a
    /// damaged stored part is an error here rather than a crash when it is read.
    ///
    /// - Throws: ``PoolCatalogError`` saying what is wrong and at which byte.
    init(checking packed: ArraySlice<UInt8>) throws(PoolCatalogError) {
        self.init(capacity: packed.count / 32)
        bytes.append(contentsOf: packed)
        var reader = CheckedReader(bytes: bytes)
        while reader.at < bytes.count {
            let vmStart = reader.at
            do throws(CheckedReader.Damage) {
                let first = try reader.byte()
                let second = try reader.byte()
                guard second & ~(Flags.maintenance | Flags.tags) == 0 else {
                    throw CheckedReader.Damage("unknown flags \(second)", at: reader.at - 1)
                }
                try reader.string()
                for flag in [Flags.name, Flags.ipv4, Flags.ipv6, Flags.sshHost] where first & flag != 0 {
                    try reader.string()
                }
                if first & Flags.sshPort != 0 { _ = try reader.number() }
                if first & Flags.cockpitURL != 0 { try reader.string() }
                if first & Flags.plans != 0 { try reader.strings() }
                if first & Flags.host != 0 { try reader.string() }
                if second & Flags.tags != 0 { try reader.strings() }
            } catch {
                // No entry index: it would count VMs within these bytes, not within the pool.
                throw PoolCatalogError(
                    message: "damaged: \(error.what) at byte \(error.at) (the VM starting at byte \(vmStart))")
            }
            starts.append(UInt32(reader.at))
        }
    }

    /// The fields of the VM at `position` as byte ranges of the packed buffer: the one place the
    /// layout is read. ``PackedFields/vm`` makes the `PoolVM`; writers that need no `String`s (a
    /// pool encoded as JSON) read the bytes directly.
    func fields(at position: Int) -> PackedFields {
        var reader = Reader(bytes: bytes, at: Int(starts[position]))
        let first = bytes[reader.at]
        let second = bytes[reader.at + 1]
        reader.at += 2
        var fields = PackedFields(bytes: bytes, id: reader.stringRange())
        if first & Flags.name != 0 { fields.name = reader.stringRange() }
        if first & Flags.ipv4 != 0 { fields.ipv4 = reader.stringRange() }
        if first & Flags.ipv6 != 0 { fields.ipv6 = reader.stringRange() }
        if first & Flags.sshHost != 0 { fields.sshHost = reader.stringRange() }
        if first & Flags.sshPort != 0 { fields.sshPort = Int(Int64(bitPattern: reader.number())) }
        if first & Flags.cockpitURL != 0 { fields.cockpitURL = reader.stringRange() }
        if first & Flags.plans != 0 { fields.plans = reader.listStart() }
        if first & Flags.host != 0 { fields.host = reader.stringRange() }
        if second & Flags.tags != 0 { fields.tags = reader.listStart() }
        fields.maintenance = second & Flags.maintenance != 0
        return fields
    }

    /// One packed VM's fields: ranges of ``bytes`` for strings, list starts for string lists.
    struct PackedFields {
        let bytes: [UInt8]
        var id: Range<Int>
        var name: Range<Int>?
        var ipv4: Range<Int>?
        var ipv6: Range<Int>?
        var sshHost: Range<Int>?
        var sshPort: Int?
        var cockpitURL: Range<Int>?
        var plans: Int?
        var host: Range<Int>?
        var tags: Int?
        var maintenance = false

        init(bytes: [UInt8], id: Range<Int>) {
            self.bytes = bytes
            self.id = id
        }

        /// Calls `body` with each string of the list that starts at `start`.
        func forEachString(inListAt start: Int, _ body: (Range<Int>) -> Void) {
            var reader = Reader(bytes: bytes, at: start)
            for _ in 0..<Int(reader.number()) { body(reader.stringRange()) }
        }

        /// The VM these fields describe.
        var vm: PoolVM {
            func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
            func strings(_ start: Int) -> [String] {
                var list: [String] = []
                forEachString(inListAt: start) { list.append(string($0)) }
                return list
            }
            var vm = PoolVM(id: string(id))
            vm.name = name.map(string)
            vm.ipv4 = ipv4.map(string)
            vm.ipv6 = ipv6.map(string)
            vm.sshHost = sshHost.map(string)
            vm.sshPort = sshPort
            vm.cockpitURL = cockpitURL.map(string)
            vm.plans = plans.map(strings)
            vm.host = host.map(string)
            vm.tags = tags.map(strings) ?? []
            vm.status = maintenance ? .maintenance : .available
            return vm
        }
    }

    /// Walks packed bytes that may be damaged (read back from a store): every read is checked.
    private struct CheckedReader {
        struct Damage: Error {
            var what: String
            var at: Int
            init(_ what: String, at: Int) {
                self.what = what
                self.at = at
            }
        }

        let bytes: [UInt8]
        var at = 0

        mutating func byte() throws(Damage) -> UInt8 {
            guard at < bytes.count else { throw Damage("the bytes end inside a VM", at: at) }
            defer { at += 1 }
            return bytes[at]
        }

        mutating func number() throws(Damage) -> UInt64 {
            var value: UInt64 = 0
            for shift in stride(from: UInt64(0), to: 64, by: 7) {
                let byte = try byte()
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
            }
            throw Damage("a number longer than 64 bits", at: at)
        }

        mutating func string() throws(Damage) {
            let length = try number()
            guard length <= UInt64(bytes.count - at) else {
                throw Damage("a string of \(length) bytes runs past the end", at: at)
            }
            let range = at..<(at + Int(length))
            guard String(validating: bytes[range], as: UTF8.self) != nil else {
                throw Damage("a string that is not UTF-8", at: at)
            }
            at = range.upperBound
        }

        mutating func strings() throws(Damage) {
            let count = try number()
            // Each string takes at least its length byte.
            guard count <= UInt64(bytes.count - at) else {
                throw Damage("a list of \(count) strings runs past the end", at: at)
            }
            for _ in 0..<Int(count) { try string() }
        }
    }

    /// Walks the packed layout: numbers, and where each string or list of strings lies.
    private struct Reader {
        let bytes: [UInt8]
        var at: Int

        mutating func number() -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = bytes[at]
                at += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }

        mutating func stringRange() -> Range<Int> {
            let count = Int(number())
            defer { at += count }
            return at..<(at + count)
        }

        /// Where a list of strings starts; skips it.
        mutating func listStart() -> Int {
            let start = at
            for _ in 0..<Int(number()) { _ = stringRange() }
            return start
        }
    }
}
