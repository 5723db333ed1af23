import Foundation

/// Signs bytes with an operator's OpenSSH key by running `ssh-keygen -Y sign`, so encrypted keys,
/// hardware keys and agents work as they do for `ssh`.
struct SSHKeygenSigner {
    let executable: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The armored SSHSIG signature of `message` by `key` in `namespace`.
    func sign(_ message: String, key: String, namespace: String) throws -> String {
        guard FileManager.default.isReadableFile(atPath: key) else {
            throw Failure(description: "cannot read the key file '\(key)'")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("provisioner-sign-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("payload.json")
        try Data(message.utf8).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-Y", "sign", "-n", namespace, "-f", key, file.path]
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot run \(executable): \(error)")
        }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description: "ssh-keygen -Y sign failed (\(process.terminationStatus)): "
                    + String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return try String(contentsOf: file.appendingPathExtension("sig"), encoding: .utf8)
    }
}
