import Foundation

/// The real `ssh-keygen` (OpenSSH, Debian's `openssh-client`), run in a test's temporary
/// directory: keys, signatures and OpenSSH's own verification.
struct SSHKeygen {
    let directory: URL

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `ssh-keygen` with `arguments`, feeding `input`; returns its exit status and output.
    @discardableResult
    func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Makes a key pair `name` (`ed25519` by default) and returns the private key's path.
    func key(_ name: String, type: String = "ed25519") throws -> String {
        let path = directory.appendingPathComponent(name).path
        let result = try run(["-q", "-t", type, "-N", "", "-C", name, "-f", path])
        guard result.status == 0 else { throw Failure(description: "ssh-keygen -t \(type): \(result.output)") }
        return path
    }

    /// The public key line (`ssh-ed25519 AAAA… comment`) of the key at `path`.
    func publicKey(_ path: String) throws -> String {
        try String(contentsOfFile: path + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `ssh-keygen -Y sign -n namespace -f key` over `message`; returns the armored signature.
    func sign(_ message: String, key: String, namespace: String = "provisioner-op") throws -> String {
        let file = directory.appendingPathComponent("msg-\(UUID().uuidString)")
        try Data(message.utf8).write(to: file)
        let result = try run(["-Y", "sign", "-n", namespace, "-f", key, file.path])
        guard result.status == 0 else { throw Failure(description: "ssh-keygen -Y sign: \(result.output)") }
        return try String(contentsOf: file.appendingPathExtension("sig"), encoding: .utf8)
    }

    /// `ssh-keygen -Y verify` of `signature` over `message` as `principal`: OpenSSH's own check.
    func verify(_ message: String, signature: String, allowedSigners: String, principal: String, namespace: String)
        throws -> Bool
    {
        let signatureFile = directory.appendingPathComponent("sig-\(UUID().uuidString)")
        try Data(signature.utf8).write(to: signatureFile)
        let result = try run(
            ["-Y", "verify", "-f", allowedSigners, "-I", principal, "-n", namespace, "-s", signatureFile.path],
            input: message)
        return result.status == 0
    }

    /// Writes an `allowed_signers` file with `lines` and returns its path.
    func allowedSigners(_ lines: [String]) throws -> String {
        let path = directory.appendingPathComponent("allowed_signers").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
