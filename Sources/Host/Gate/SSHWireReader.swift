import Foundation

/// Reads the SSH wire encoding (RFC 4251): big-endian `uint32` and length-prefixed `string`s.
struct SSHWireReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Whether every byte was read.
    var isAtEnd: Bool { offset == bytes.count }

    /// `count` raw bytes, or `nil` when fewer remain.
    mutating func raw(_ count: Int) -> [UInt8]? {
        guard count >= 0, bytes.count - offset >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func uint32() -> UInt32? {
        guard let raw = raw(4) else { return nil }
        return raw.reduce(0) { ($0 << 8) | UInt32($1) }
    }

    mutating func string() -> [UInt8]? {
        guard let length = uint32(), length <= 1 << 20 else { return nil }
        return raw(Int(length))
    }
}

/// Writes the SSH wire encoding.
struct SSHWireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func raw(_ value: [UInt8]) { bytes += value }

    mutating func uint32(_ value: UInt32) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    mutating func string(_ value: [UInt8]) {
        uint32(UInt32(value.count))
        bytes += value
    }

    mutating func string(_ value: String) { string(Array(value.utf8)) }
}
