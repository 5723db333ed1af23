/// A direct parser for well-formed pool JSON: it reads the bytes once and builds the VMs, with no
/// intermediate tree (`JSONDecoder` builds one for the whole document, plus a keyed container per
/// VM: at 100,000 VMs that is tens of megabytes the process keeps as heap afterwards).
///
/// It accepts only what it is sure of: anything unusual (an unknown or repeated key, `null`, a
/// `\u` escape, a number that is not a plain integer, invalid UTF-8, any syntax error) makes it
/// give up, and ``PoolCatalogJSON/decode(_:)`` decodes with `JSONDecoder` instead, which accepts
/// or refuses it with the entry and field, as before.
struct PoolCatalogParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var at = 0

    private struct GiveUp: Error {}

    /// The VMs of `data` (a bare array or `{"pool": [...]}`), or `nil` to decode it the slow way.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> [PoolVM]? {
        var parser = PoolCatalogParser(bytes: bytes)
        return try? parser.document()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private mutating func document() throws(GiveUp) -> [PoolVM] {
        skipSpace()
        let vms: [PoolVM]
        if peek() == UInt8(ascii: "{") {
            at += 1
            guard try string() == "pool" else { throw GiveUp() }
            try expect(UInt8(ascii: ":"))
            vms = try list()
            try expect(UInt8(ascii: "}"))
        } else {
            vms = try list()
        }
        skipSpace()
        guard at == bytes.count else { throw GiveUp() }
        return vms
    }

    private mutating func list() throws(GiveUp) -> [PoolVM] {
        try expect(UInt8(ascii: "["))
        var vms: [PoolVM] = []
        if closesAtOnce(UInt8(ascii: "]")) { return vms }
        repeat { vms.append(try vm()) } while try endsAfterValue(UInt8(ascii: "]")) == false
        return vms
    }

    private mutating func vm() throws(GiveUp) -> PoolVM {
        try expect(UInt8(ascii: "{"))
        var vm = PoolVM(id: "")
        var seen: UInt16 = 0
        if closesAtOnce(UInt8(ascii: "}")) { throw GiveUp() }  // no id
        repeat {
            let key = try string()
            guard let field = PoolVM.CodingKeys(rawValue: key),
                let bit = PoolVM.CodingKeys.allCases.firstIndex(of: field)
            else { throw GiveUp() }
            guard seen & (1 << bit) == 0 else { throw GiveUp() }
            seen |= 1 << bit
            try expect(UInt8(ascii: ":"))
            skipSpace()
            switch field {
            case .id: vm.id = try string()
            case .name: vm.name = try string()
            case .ipv4: vm.ipv4 = try string()
            case .ipv6: vm.ipv6 = try string()
            case .sshHost: vm.sshHost = try string()
            case .sshPort: vm.sshPort = try integer()
            case .cockpitURL: vm.cockpitURL = try string()
            case .plans: vm.plans = try strings()
            case .tags: vm.tags = try strings()
            case .host: vm.host = try string()
            case .status:
                guard let status = PoolVM.Status(rawValue: try string()) else { throw GiveUp() }
                vm.status = status
            }
        } while try endsAfterValue(UInt8(ascii: "}")) == false
        guard seen & 1 != 0 else { throw GiveUp() }  // `id` is the first coding key
        return vm
    }

    private mutating func strings() throws(GiveUp) -> [String] {
        try expect(UInt8(ascii: "["))
        var values: [String] = []
        if closesAtOnce(UInt8(ascii: "]")) { return values }
        repeat { values.append(try string()) } while try endsAfterValue(UInt8(ascii: "]")) == false
        return values
    }

    private mutating func integer() throws(GiveUp) -> Int {
        let start = at
        while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]), at - start < 9 { at += 1 }
        guard at > start, at < bytes.count, !Self.continuesNumber(bytes[at]) else { throw GiveUp() }
        if bytes[start] == UInt8(ascii: "0"), at - start > 1 { throw GiveUp() }  // JSON has no leading zeros
        var value = 0
        for index in start..<at { value = value * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
        return value
    }

    private static func continuesNumber(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    private mutating func string() throws(GiveUp) -> String {
        skipSpace()
        try expect(UInt8(ascii: "\""))
        let start = at
        var escaped = false
        while at < bytes.count, bytes[at] != UInt8(ascii: "\"") {
            if bytes[at] < 0x20 { throw GiveUp() }
            if bytes[at] == UInt8(ascii: "\\") {
                escaped = true
                at += 1
            }
            at += 1
        }
        guard at < bytes.count else { throw GiveUp() }
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<at])
        at += 1
        guard escaped else {
            guard let text = String(validating: raw, as: UTF8.self) else { throw GiveUp() }
            return text
        }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            var byte = raw[index]
            if byte == UInt8(ascii: "\\") {
                index += 1
                switch raw[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): byte = raw[index]
                case UInt8(ascii: "n"): byte = 0x0A
                case UInt8(ascii: "t"): byte = 0x09
                case UInt8(ascii: "r"): byte = 0x0D
                case UInt8(ascii: "b"): byte = 0x08
                case UInt8(ascii: "f"): byte = 0x0C
                default: throw GiveUp()  // \u escapes: the slow path
                }
            }
            unescaped.append(byte)
            index += 1
        }
        guard let text = String(validating: unescaped, as: UTF8.self) else { throw GiveUp() }
        return text
    }

    /// Right after an opening bracket: whether the list or object is empty (then its closing
    /// bracket is consumed).
    private mutating func closesAtOnce(_ closing: UInt8) -> Bool {
        skipSpace()
        guard peek() == closing else { return false }
        at += 1
        return true
    }

    /// After a value: `true` at the closing bracket, `false` after a comma (both consumed).
    private mutating func endsAfterValue(_ closing: UInt8) throws(GiveUp) -> Bool {
        skipSpace()
        switch peek() {
        case closing:
            at += 1
            return true
        case UInt8(ascii: ","):
            at += 1
            return false
        default:
            throw GiveUp()
        }
    }

    private mutating func expect(_ byte: UInt8) throws(GiveUp) {
        skipSpace()
        guard at < bytes.count, bytes[at] == byte else { throw GiveUp() }
        at += 1
    }

    private func peek() -> UInt8? { at < bytes.count ? bytes[at] : nil }

    private mutating func skipSpace() {
        while at < bytes.count {
            switch bytes[at] {
            case 0x20, 0x09, 0x0A, 0x0D: at += 1
            default: return
            }
        }
    }
}
