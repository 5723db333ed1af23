import Foundation
import Host
import Logging
import Testing

@testable import ProvisionerCLI

/// `hosts.global_key_env`: when configured, its variable must hold a long key, which the report
/// route then accepts for existing hosts.
@Suite(.timeLimit(.minutes(1)))
struct StartupHostsTests {
    private func prepare(environment: [String: String]) throws -> Startup {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("startup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("provisioner.yaml").path
        try """
        store: { path: ":memory:" }
        hosts: { global_key_env: MY_GLOBAL_HOST_KEY }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return try Startup.prepare(
            explicitConfig: path, host: nil, port: 0, environment: environment, logger: Logger(label: "test"))
    }

    @Test func aConfiguredGlobalKeyIsReadFromItsVariable() async throws {
        let key = String(repeating: "k", count: 40)
        let startup = try prepare(environment: ["MY_GLOBAL_HOST_KEY": key])
        #expect(startup.dependencies.hostGlobalKey == key)
        try await startup.dependencies.store.close()
    }

    @Test(arguments: [
        ([:], "hosts.global_key_env names MY_GLOBAL_HOST_KEY, which is not set"),
        (["MY_GLOBAL_HOST_KEY": "short"], "MY_GLOBAL_HOST_KEY is set but shorter than 32 characters"),
    ])
    func aMissingOrShortGlobalKeyRefusesToStart(_ environment: [String: String], _ message: String) throws {
        let error = try #require(throws: StartupError.self) { try prepare(environment: environment) }
        #expect(error.exitCode == exitCodeBadConfig)
        #expect(error.message.hasPrefix(message), "\(error.message)")
    }
}
