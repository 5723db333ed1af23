extension PoolCatalogJSON {
    /// Encodes a pool as a bare JSON array (the catalog's payload in a store that keeps it whole;
    /// a store of parts gets the packed form, ``PoolCatalogParts``).
    ///
    /// Written directly into a byte buffer rather than through `JSONEncoder` (or `String`
    /// appends), which took most of a 100,000-VM refresh's time when parts were JSON. The output
    /// is what `JSONEncoder` with sorted keys and unescaped slashes gives (a test holds the two
    /// equal).
    public static func encode(_ vms: some Collection<PoolVM>) -> String {
        // Packed first, so one writer (``encode(_:range:)``) knows the JSON form of a VM.
        let table = PoolVMTable(vms)
        return encode(table, range: 0..<table.count)
    }
}

extension PoolCatalogJSON {
    /// Encodes the VMs of `range` of a packed table straight from its bytes, without making a
    /// `PoolVM` (and its strings) for each: the same text as ``encode(_:)`` of those VMs.
    static func encode(_ table: PoolVMTable, range: Range<Int>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(table.encoded(range).count * 2 + 2)
        out.append(UInt8(ascii: "["))
        for position in range {
            if position > range.lowerBound { out.append(UInt8(ascii: ",")) }
            table.fields(at: position).appendJSON(to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }
}

extension PoolVMTable.PackedFields {
    /// Appends the VM as a JSON object with its keys in sorted order, absent fields left out.
    fileprivate func appendJSON(to out: inout [UInt8]) {
        var writer = JSONObjectWriter()
        out.append(UInt8(ascii: "{"))
        bytes.withUnsafeBufferPointer { buffer in
            func string(_ name: StaticString, _ range: Range<Int>?) {
                guard let range else { return }
                writer.key(name, to: &out)
                JSONObjectWriter.appendString(UnsafeBufferPointer(rebasing: buffer[range]), to: &out)
            }
            func strings(_ name: StaticString, _ start: Int?) {
                guard let start else { return }
                writer.key(name, to: &out)
                out.append(UInt8(ascii: "["))
                var first = true
                forEachString(inListAt: start) { range in
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    JSONObjectWriter.appendString(UnsafeBufferPointer(rebasing: buffer[range]), to: &out)
                }
                out.append(UInt8(ascii: "]"))
            }
            string("cockpit_url", cockpitURL)
            string("host", host)
            string("id", id)
            string("ipv4", ipv4)
            string("ipv6", ipv6)
            string("name", name)
            strings("plans", plans)
            string("ssh_host", sshHost)
            if let sshPort {
                writer.key("ssh_port", to: &out)
                out.append(contentsOf: String(sshPort).utf8)
            }
            writer.key("status", to: &out)
            JSONObjectWriter.appendString(
                (maintenance ? PoolVM.Status.maintenance : PoolVM.Status.available).rawValue, to: &out)
            if let tags {
                strings("tags", tags)
            } else {
                // `tags` is always written, `[]` when there are none, as `JSONEncoder` writes it.
                writer.key("tags", to: &out)
                out.append(UInt8(ascii: "["))
                out.append(UInt8(ascii: "]"))
            }
        }
        out.append(UInt8(ascii: "}"))
    }
}

/// Writes the members of one JSON object, commas between them.
private struct JSONObjectWriter {
    private var started = false

    mutating func key(_ name: StaticString, to out: inout [UInt8]) {
        if started { out.append(UInt8(ascii: ",")) }
        started = true
        out.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    /// Appends `value` as a JSON string literal, escaped as `JSONEncoder` escapes it (slashes kept).
    static func appendString(_ value: String, to out: inout [UInt8]) {
        appendString(utf8: value.utf8, to: &out)
    }

    /// Appends UTF-8 text as a JSON string literal (see ``appendString(_:to:)``).
    static func appendString(_ utf8: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        appendString(utf8: utf8, to: &out)
    }

    @inline(__always)
    private static func appendString(utf8: some Collection<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: utf8)  // the usual case: nothing to escape
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(contentsOf: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
