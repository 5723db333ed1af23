import Foundation

/// A minimal ISO 9660 image writer: one root directory of small files, with a Joliet tree so
/// names keep their case and hyphens (`meta-data`, `user-data`), as a NoCloud config drive needs.
///
/// Layout (2048-byte sectors): 16 empty sectors, the primary volume descriptor, the Joliet
/// supplementary descriptor, the terminator, four path tables (L and M, primary and Joliet), the
/// two root directories, then each file's data. Both trees point at the same file extents. Linux,
/// `isoinfo`, `xorriso` and `blkid` read it; the volume label is what cloud-init looks for.
struct ISO9660Image {
    /// One file in the root directory.
    struct File {
        /// Its name as the guest sees it (Joliet); the primary tree gets an 8.3 upper-case form.
        var name: String
        var contents: [UInt8]
    }

    static let sectorSize = 2048

    var volumeLabel: String
    var files: [File]
    var date: Date

    /// The image bytes; a multiple of 2048.
    func bytes() -> [UInt8] {
        let sorted = files.sorted { $0.name < $1.name }
        let firstFileSector = 25
        var extents: [(sector: Int, size: Int)] = []
        var next = firstFileSector
        for file in sorted {
            extents.append((next, file.contents.count))
            next += max(1, Self.sectors(file.contents.count))
        }
        let totalSectors = next
        var image = [UInt8](repeating: 0, count: totalSectors * Self.sectorSize)
        func put(_ bytes: [UInt8], sector: Int, offset: Int = 0) {
            let start = sector * Self.sectorSize + offset
            image.replaceSubrange(start..<start + bytes.count, with: bytes)
        }
        let primaryNames = Self.primaryNames(sorted.map(\.name))
        let jolietNames = sorted.map { Array($0.name.utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] } }
        put(descriptor(joliet: false, totalSectors: totalSectors), sector: 16)
        put(descriptor(joliet: true, totalSectors: totalSectors), sector: 17)
        put([255] + Array("CD001".utf8) + [1], sector: 18)
        put(Self.pathTable(root: 23, bigEndian: false), sector: 19)
        put(Self.pathTable(root: 23, bigEndian: true), sector: 20)
        put(Self.pathTable(root: 24, bigEndian: false), sector: 21)
        put(Self.pathTable(root: 24, bigEndian: true), sector: 22)
        put(directory(self: 23, names: primaryNames, extents: extents), sector: 23)
        put(directory(self: 24, names: jolietNames, extents: extents), sector: 24)
        for (file, extent) in zip(sorted, extents) { put(file.contents, sector: extent.sector) }
        return image
    }

    static func sectors(_ bytes: Int) -> Int { (bytes + sectorSize - 1) / sectorSize }

    /// `META_DAT.;1`-style names: upper-case d-characters, at most 8 of them, unique.
    static func primaryNames(_ names: [String]) -> [[UInt8]] {
        var used: Set<String> = []
        return names.enumerated().map { index, name in
            let allowed = name.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }
            var base = String(allowed.prefix(8))
            if used.contains(base) { base = String(base.prefix(5)) + String(format: "%03d", index) }
            used.insert(base)
            return Array((base + ".;1").utf8)
        }
    }

    private func descriptor(joliet: Bool, totalSectors: Int) -> [UInt8] {
        var sector = [UInt8](repeating: 0, count: Self.sectorSize)
        func put(_ bytes: [UInt8], at offset: Int) {
            sector.replaceSubrange(offset..<offset + bytes.count, with: bytes)
        }
        put([joliet ? 2 : 1] + Array("CD001".utf8) + [1], at: 0)
        put(text("", length: 32, joliet: joliet), at: 8)
        put(text(volumeLabel, length: 32, joliet: joliet), at: 40)
        put(Self.both32(totalSectors), at: 80)
        if joliet { put(Array("%/E".utf8), at: 88) }  // UCS-2 level 3
        put(Self.both16(1), at: 120)
        put(Self.both16(1), at: 124)
        put(Self.both16(Self.sectorSize), at: 128)
        put(Self.both32(10), at: 132)
        let (little, big) = joliet ? (21, 22) : (19, 20)
        put(Self.le32(little), at: 140)
        put(Self.be32(big), at: 148)
        put(
            Self.record(
                identifier: [0], extent: joliet ? 24 : 23, size: Self.sectorSize, isDirectory: true, date: date),
            at: 156)
        for offset in [190, 318, 446] { put(text("", length: 128, joliet: joliet), at: offset) }
        put(text("PROVISIONER", length: 128, joliet: joliet), at: 574)
        for offset in [702, 739, 776] { put(text("", length: 37, joliet: joliet), at: offset) }
        let stamp = Self.longDate(date)
        put(stamp, at: 813)
        put(stamp, at: 830)
        put(Array("0000000000000000".utf8) + [0], at: 847)
        put(stamp, at: 864)
        sector[881] = 1
        return sector
    }

    private func text(_ value: String, length: Int, joliet: Bool) -> [UInt8] {
        if joliet {
            var bytes = Array(value.utf16.prefix(length / 2)).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
            while bytes.count + 1 < length { bytes += [0, 0x20] }
            if bytes.count < length { bytes.append(0) }
            return bytes
        }
        let bytes = Array(value.utf8.prefix(length))
        return bytes + [UInt8](repeating: 0x20, count: length - bytes.count)
    }

    private func directory(self own: Int, names: [[UInt8]], extents: [(sector: Int, size: Int)]) -> [UInt8] {
        var bytes = Self.record(identifier: [0], extent: own, size: Self.sectorSize, isDirectory: true, date: date)
        bytes += Self.record(identifier: [1], extent: own, size: Self.sectorSize, isDirectory: true, date: date)
        for (name, extent) in zip(names, extents) {
            bytes += Self.record(
                identifier: name, extent: extent.sector, size: extent.size, isDirectory: false, date: date)
        }
        precondition(bytes.count <= Self.sectorSize, "the config drive's root directory must fit one sector")
        return bytes
    }

    static func record(identifier: [UInt8], extent: Int, size: Int, isDirectory: Bool, date: Date) -> [UInt8] {
        var bytes: [UInt8] = [0, 0]
        bytes += both32(extent)
        bytes += both32(size)
        bytes += shortDate(date)
        bytes += [isDirectory ? 2 : 0, 0, 0]
        bytes += both16(1)
        bytes += [UInt8(identifier.count)] + identifier
        if bytes.count % 2 == 1 { bytes.append(0) }
        bytes[0] = UInt8(bytes.count)
        return bytes
    }

    static func pathTable(root: Int, bigEndian: Bool) -> [UInt8] {
        [1, 0] + (bigEndian ? be32(root) : le32(root)) + (bigEndian ? [0, 1] : [1, 0]) + [0, 0]
    }

    static func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8((value >> ($0 * 8)) & 0xff) } }
    static func be32(_ value: Int) -> [UInt8] { le32(value).reversed() }
    static func both32(_ value: Int) -> [UInt8] { le32(value) + be32(value) }
    static func both16(_ value: Int) -> [UInt8] {
        [UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    private static func utcComponents(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    }

    static func shortDate(_ date: Date) -> [UInt8] {
        let parts = utcComponents(date)
        return [
            UInt8((parts.year ?? 1970) - 1900), UInt8(parts.month ?? 1), UInt8(parts.day ?? 1), UInt8(parts.hour ?? 0),
            UInt8(parts.minute ?? 0), UInt8(parts.second ?? 0), 0,
        ]
    }

    static func longDate(_ date: Date) -> [UInt8] {
        let parts = utcComponents(date)
        let text = String(
            format: "%04d%02d%02d%02d%02d%02d00", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1,
            parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
        return Array(text.utf8) + [0]
    }
}
