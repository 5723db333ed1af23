import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A release-built `provisioner serve` child process on loopback, port chosen by the OS.
final class ServerProcess: @unchecked Sendable {  // all properties are `let`; `Process` is only touched here
    let process: Process
    let port: Int
    /// From `run()` until the "listening" line (includes migrations and crash recovery).
    let startup: Duration
    let logPath: String

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var pid: Int32 { process.processIdentifier }

    private init(process: Process, port: Int, startup: Duration, logPath: String) {
        self.process = process
        self.port = port
        self.startup = startup
        self.logPath = logPath
    }

    /// Starts the server and waits for "provisioner listening on http://127.0.0.1:PORT".
    static func launch(
        binary: String, config: String, directory: URL, name: String, environment: [String: String]
    ) async throws -> ServerProcess {
        let stdoutPath = directory.appendingPathComponent("\(name).stdout").path
        let logPath = directory.appendingPathComponent("\(name).log").path
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--config", config, "--port", "0"]
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["VM_POOL_JSON"] = nil
        env["PROVISIONER_CONFIG"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        let pattern = "provisioner listening on http://127.0.0.1:"
        while true {
            if let text = try? String(contentsOfFile: stdoutPath, encoding: .utf8),
                let range = text.range(of: pattern)
            {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) {
                    return ServerProcess(process: process, port: port, startup: clock.now - start, logPath: logPath)
                }
            }
            guard process.isRunning else {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw BenchError("server '\(name)' exited before listening:\n\(log.suffix(2000))")
            }
            guard clock.now - start < .seconds(120) else {
                process.terminate()
                throw BenchError("server '\(name)' did not report listening within 120 s")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// The server's resident set size (`VmRSS` of /proc/PID/status), in bytes.
    func residentBytes() -> Int? {
        Self.residentBytes(pid: pid)
    }

    static func residentBytes(pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kib = line.split(separator: " ").compactMap { Int($0) }.first
            return kib.map { $0 * 1024 }
        }
        return nil
    }

    /// SIGTERM, then waits for the exit (SIGKILL after 20 s).
    func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        let clock = ContinuousClock()
        let start = clock.now
        while process.isRunning {
            if clock.now - start > .seconds(20) {
                kill(pid, SIGKILL)
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// A harness failure, with a message for the operator.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
