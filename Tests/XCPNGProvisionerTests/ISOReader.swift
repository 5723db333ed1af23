import Foundation

/// Reads files out of an ISO 9660 image with `isoinfo` (Debian `genisoimage`, installed by
/// scripts/install-deps): an independent reader, not the writer under test.
enum ISOReader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `isoinfo` with `arguments` on `image` (written to a temp file) and returns its stdout.
    static func isoinfo(_ image: [UInt8], _ arguments: [String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iso-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cidata.iso")
        try Data(image).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["isoinfo", "-i", file.path] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description: "isoinfo \(arguments) exited \(process.terminationStatus): \(errorText) "
                    + "(is genisoimage installed? run scripts/install-deps)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The contents of `/name` through the Joliet tree, as a guest mounting the drive sees it.
    static func file(_ name: String, in image: [UInt8]) throws -> String {
        try isoinfo(image, ["-J", "-x", "/\(name)"])
    }

    /// The volume label.
    static func volumeID(of image: [UInt8]) throws -> String? {
        let info = try isoinfo(image, ["-d"])
        return info.split(separator: "\n").first { $0.hasPrefix("Volume id:") }
            .map { $0.dropFirst("Volume id:".count).trimmingCharacters(in: .whitespaces) }
    }
}
