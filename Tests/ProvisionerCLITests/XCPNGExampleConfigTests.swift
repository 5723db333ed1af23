import Foundation
import Host
import Logging
import ProvisionerAPI
import Testing

@testable import ProvisionerCLI

/// The README's XCP-ng command works as written: its tokens are long enough for `serve`, and
/// `config/xcpng.example.yaml` starts the real XCP-ng backend.
@Suite(.timeLimit(.minutes(1)))
struct XCPNGExampleConfigTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `VAR=value` assignments of the README command that serves the XCP-ng example.
    static func readmeEnvironment() throws -> [String: String] {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.components(separatedBy: "\n")
        guard let serve = lines.firstIndex(where: { $0.contains("serve --config config/xcpng.example.yaml") }) else {
            throw TestFailure("README has no command serving config/xcpng.example.yaml")
        }
        var start = serve
        while start > 0, lines[start - 1].hasSuffix("\\") { start -= 1 }
        var environment: [String: String] = [:]
        for line in lines[start...serve] {
            for word in line.split(separator: " ") where word.contains("=") && word.first?.isUppercase == true {
                let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                environment[parts[0]] = parts[1]
            }
        }
        return environment
    }

    @Test func theReadmeCommandStartsTheExampleConfig() async throws {
        let environment = try Self.readmeEnvironment()
        #expect((environment["PROVISIONER_SERVICE_TOKEN"]?.utf8.count ?? 0) >= 16)
        #expect((environment["PROVISIONER_ADMIN_SECRET"]?.utf8.count ?? 0) >= 16)
        #expect(environment["HCP_LAUNCH_PROOF_REAL_XCPNG"] == "1")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xcpng-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let example = try String(
            contentsOf: Self.packageRoot.appendingPathComponent("config/xcpng.example.yaml"), encoding: .utf8)
        let store = directory.appendingPathComponent("store.sqlite").path
        let hermetic = example.replacingOccurrences(of: "path: data/provisioner-xcpng.sqlite", with: "path: \(store)")
        #expect(hermetic != example, "the example's store path moved; update this test")
        let path = directory.appendingPathComponent("xcpng.yaml").path
        try hermetic.write(toFile: path, atomically: true, encoding: .utf8)
        let startup = try Startup.prepare(
            explicitConfig: path, host: nil, port: 0, environment: environment,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(startup.dependencies.backend.name == "xcpng")
        #expect(!startup.dependencies.backend.isDemo)
        try await startup.dependencies.store.close()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
