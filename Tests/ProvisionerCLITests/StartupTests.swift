import Foundation
import Host
import Logging
import ProvisionerAPI
import Testing

@testable import ProvisionerCLI

@Suite(.timeLimit(.minutes(1)))
struct StartupTests {
    private func withTempDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("startup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    private func config(in directory: URL, extra: String = "") throws -> String {
        let path = directory.appendingPathComponent("provisioner.yaml").path
        let text = """
            store:
              path: \(directory.appendingPathComponent("data/store.sqlite").path)
            \(extra)
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func demoBackendGeneratesMissingSecrets() async throws {
        try await withTempDirectory { directory in
            let startup = try Startup.prepare(
                explicitConfig: try config(in: directory), host: nil, port: 0, environment: [:],
                logger: Logger(label: "test"))
            #expect(startup.dependencies.serviceToken.count == 64)
            #expect(startup.dependencies.adminSecret.count == 64)
            #expect(startup.dependencies.serviceToken != startup.dependencies.adminSecret)
            #expect(startup.dependencies.backend.isDemo)
            try await startup.dependencies.store.close()
        }
    }

    @Test func secretsComeFromTheNamedEnvironmentVariables() async throws {
        try await withTempDirectory { directory in
            let path = try config(in: directory, extra: "server:\n  service_token_env: MY_TOKEN\n")
            let startup = try Startup.prepare(
                explicitConfig: path, host: "127.0.0.1", port: 0,
                environment: [
                    "MY_TOKEN": "a-long-enough-service-token", "PROVISIONER_ADMIN_SECRET": "a-long-enough-admin-secret",
                ],
                logger: Logger(label: "test"))
            #expect(startup.dependencies.serviceToken == "a-long-enough-service-token")
            #expect(startup.dependencies.adminSecret == "a-long-enough-admin-secret")
            try await startup.dependencies.store.close()
        }
    }

    @Test(arguments: [
        ("PROVISIONER_SERVICE_TOKEN", "PROVISIONER_ADMIN_SECRET"),
        ("PROVISIONER_SERVICE_TOKEN", "PROVISIONER_DASHBOARD_SECRET"),
        ("PROVISIONER_ADMIN_SECRET", "PROVISIONER_DASHBOARD_SECRET"),
    ])
    func twoEqualSecretsAreRefused(first: String, second: String) async throws {
        try await withTempDirectory { directory in
            var environment = [
                "PROVISIONER_SERVICE_TOKEN": "service-token-0123456789",
                "PROVISIONER_ADMIN_SECRET": "admin-secret-0123456789",
                "PROVISIONER_DASHBOARD_SECRET": "dashboard-secret-0123456789",
            ]
            environment[second] = environment[first]
            let error = #expect(throws: StartupError.self) {
                try Startup.prepare(
                    explicitConfig: try config(in: directory), host: nil, port: 0, environment: environment,
                    logger: Logger(label: "test"))
            }
            #expect(error?.message.contains(first) == true)
            #expect(error?.message.contains(second) == true)
            #expect(error?.message.contains("must all differ") == true)
            #expect(error?.exitCode == exitCodeBadConfig)
        }
    }

    @Test func unreadableSignersFileIsRefused() async throws {
        try await withTempDirectory { directory in
            let path = try config(
                in: directory, extra: "gate:\n  allowed_signers_file: \(directory.path)/missing_signers\n")
            let error = #expect(throws: StartupError.self) {
                try Startup.prepare(
                    explicitConfig: path, host: nil, port: 0, environment: [:], logger: Logger(label: "test"))
            }
            #expect(error?.message.contains("gate.allowed_signers_file") == true)
        }
    }

    @Test func shortSecretIsRefused() async throws {
        try await withTempDirectory { directory in
            #expect(throws: StartupError.self) {
                try Startup.prepare(
                    explicitConfig: try config(in: directory), host: nil, port: 0,
                    environment: ["PROVISIONER_SERVICE_TOKEN": "short"], logger: Logger(label: "test"))
            }
        }
    }

    @Test func dashboardSecretComesFromItsEnvVarOrIsGeneratedPerProcess() async throws {
        try await withTempDirectory { directory in
            let path = try config(in: directory, extra: "server:\n  dashboard_secret_env: MY_DASHBOARD\n")
            let configured = try Startup.prepare(
                explicitConfig: path, host: nil, port: 0,
                environment: ["MY_DASHBOARD": "a-long-enough-dashboard-secret"], logger: Logger(label: "test"))
            #expect(configured.dependencies.dashboardSecret == "a-long-enough-dashboard-secret")
            try await configured.dependencies.store.close()
            let generated = try Startup.prepare(
                explicitConfig: path, host: nil, port: 0, environment: [:], logger: Logger(label: "test"))
            #expect(generated.dependencies.dashboardSecret.count == 64)
            try await generated.dependencies.store.close()
        }
    }

    @Test func shortDashboardSecretIsRefused() async throws {
        try await withTempDirectory { directory in
            #expect(throws: StartupError.self) {
                try Startup.prepare(
                    explicitConfig: try config(in: directory), host: nil, port: 0,
                    environment: ["PROVISIONER_DASHBOARD_SECRET": "short"], logger: Logger(label: "test"))
            }
        }
    }

    @Test func portOverrideOutOfRangeIsRefused() async throws {
        try await withTempDirectory { directory in
            #expect(throws: StartupError.self) {
                try Startup.prepare(
                    explicitConfig: try config(in: directory), host: nil, port: 70_000, environment: [:],
                    logger: Logger(label: "test"))
            }
        }
    }

    @Test func postgresStoreNeedsItsURLVariable() async throws {
        try await withTempDirectory { directory in
            let path = try config(in: directory, extra: "  kind: postgres\n  url_env: MY_DB_URL\n")
            do {
                _ = try Startup.prepare(
                    explicitConfig: path, host: nil, port: 0, environment: [:], logger: Logger(label: "test"))
                Issue.record("start-up without the URL variable succeeded")
            } catch let error as StartupError {
                #expect(error.exitCode == exitCodeBadConfig)
                #expect(error.message.hasPrefix("store.url_env names MY_DB_URL, which is not set"))
            }
            do {
                _ = try Startup.prepare(
                    explicitConfig: path, host: nil, port: 0, environment: ["MY_DB_URL": "mysql://u:pw@h/db"],
                    logger: Logger(label: "test"))
                Issue.record("start-up with a non-PostgreSQL URL succeeded")
            } catch let error as StartupError {
                #expect(error.exitCode == exitCodeBadConfig)
                #expect(!error.message.contains("pw"))
            }
        }
    }

    @Test func postgresStoreIsOpenedLazily() async throws {
        try await withTempDirectory { directory in
            let path = try config(in: directory, extra: "  kind: postgres\n  url_env: MY_DB_URL\n")
            let startup = try Startup.prepare(
                explicitConfig: path, host: nil, port: 0,
                environment: ["MY_DB_URL": "postgres://u:pw@127.0.0.1:1/db?sslmode=disable"],
                logger: Logger(label: "test"))
            #expect(startup.dependencies.store is PostgresStore)
        }
    }

    @Test func configSourcePrefersExplicitThenEnvironment() {
        #expect(ConfigSource.resolve(explicit: "a.yaml", environment: ["PROVISIONER_CONFIG": "b.yaml"]) == "a.yaml")
        #expect(ConfigSource.resolve(explicit: nil, environment: ["PROVISIONER_CONFIG": "b.yaml"]) == "b.yaml")
    }
}

@Suite(.timeLimit(.minutes(1)))
struct StartupTemplateTests {
    @Test func aBrokenPageTemplateFailsStartupNamingTheFileAndLine() throws {
        var sources = PageTemplates.bundledSources
        sources["events"] = "{{<layout}}{{$content}}\n\n<p>{{#events}}{{/kind}}</p>{{/content}}{{/layout}}"
        let error = #expect(throws: StartupError.self) {
            try Startup.prepare(
                explicitConfig: nil, host: nil, port: 0, environment: [:], logger: Logger(label: "test"),
                templates: PageTemplates(sources: sources))
        }
        #expect(error?.exitCode == 1)
        #expect(
            error?.message.hasPrefix("page template templates/events.mustache:3:") == true, "\(error?.message ?? "")")
    }
}
