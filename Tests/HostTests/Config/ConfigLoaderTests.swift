import Foundation
import Host
import ProvisionerAPI
import Testing

struct ConfigLoaderTests {
    static let loader = ConfigLoader(backendKinds: LinkedBackends.registry.kinds)

    /// The package root: this file is `Tests/HostTests/Config/ConfigLoaderTests.swift`.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Config
            .deletingLastPathComponent()  // HostTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
    }

    @Test func embeddedDefaultDecodes() throws {
        let configuration = try Self.loader.load(path: nil)
        #expect(configuration.source == ConfigLoader.embeddedSourceName)
        #expect(configuration.provisioner.backend == "simulated")
        #expect(configuration.provisioner.requireReal == false)
        #expect(configuration.store.kind == "sqlite")
        #expect(configuration.store.path == "data/provisioner.sqlite")
        #expect(configuration.server.host == "127.0.0.1")
        #expect(configuration.server.port == 8080)
        #expect(configuration.server.adminSecretEnv == "PROVISIONER_ADMIN_SECRET")
        #expect(configuration.server.serviceTokenEnv == "PROVISIONER_SERVICE_TOKEN")
        #expect(Set(configuration.plans.keys) == ["small", "trial"])
        #expect(configuration.plans["small"]?.priceCents == 500)
        #expect(configuration.plans["small"]?.requiresPayment == true)
        #expect(configuration.plans["trial"]?.priceCents == 0)
        #expect(configuration.plans["trial"]?.requiresPayment == false)
        #expect(configuration.limits.blockedPorts == [25, 465, 587])
        #expect(configuration.limits.maxPaidVMsPerUser == 3)
        #expect(configuration.limits.paymentWindowSeconds == 3600)
        #expect(configuration.reconcile.staleAfterSeconds <= configuration.reconcile.downAfterSeconds)
        #expect(configuration.provisioner.backendNodes["simulated"] != nil)
    }

    @Test func embeddedDefaultMatchesTheStructDefaults() throws {
        let configuration = try Self.loader.load(path: nil)
        let defaults = HostConfiguration()
        #expect(configuration.server == defaults.server)
        #expect(configuration.store == defaults.store)
        #expect(configuration.plans == defaults.plans)
        #expect(configuration.limits == defaults.limits)
        #expect(configuration.launchProof == defaults.launchProof)
        #expect(configuration.reconcile == defaults.reconcile)
    }

    @Test func configFileOnDiskIsByteIdenticalToTheEmbeddedDefault() throws {
        let onDisk = try Data(contentsOf: Self.packageRoot.appendingPathComponent("config/provisioner.yaml"))
        #expect(onDisk == Data(ConfigLoader.embeddedDefaultText.utf8))
        #expect(!onDisk.isEmpty)
    }

    @Test func loadsAFileAndNamesItAsTheSource() throws {
        try withTemporaryConfigFile("server:\n  port: 9090\nplans:\n  big: { price_cents: 1200 }\n") { path in
            let configuration = try Self.loader.load(path: path)
            #expect(configuration.source == path)
            #expect(configuration.server.port == 9090)
            #expect(configuration.plans.keys.sorted() == ["big"])
            #expect(configuration.plans["big"]?.priceCents == 1200)
            // Sections the file leaves out keep their defaults.
            #expect(configuration.store == StoreConfiguration())
        }
    }

    @Test func errorsFromAFileNameTheFile() throws {
        try withTemporaryConfigFile("server:\n  port: eighty\n") { path in
            let error = try #require(throws: ConfigError.self) { try Self.loader.load(path: path) }
            #expect(error.description == "\(path):2:9: server.port: expected an integer, found 'eighty'")
        }
    }

    @Test func missingFileSaysNoSuchFile() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("provisioner-missing-\(UUID().uuidString)/provisioner.yaml").path
        let error = try #require(throws: ConfigError.self) { try Self.loader.load(path: path) }
        #expect(error.source == path)
        #expect(error.path == "<file>")
        #expect(error.mark == nil)
        #expect(error.message == "cannot read config file: no such file")
        #expect(error.description == "\(path): <file>: cannot read config file: no such file")
    }

    @Test func emptyTextGivesTheStructDefaults() throws {
        let configuration = try Self.loader.decode(text: "", source: "empty.yaml")
        #expect(configuration.source == "empty.yaml")
        #expect(configuration.plans == HostConfiguration.defaultPlans)
        #expect(configuration.provisioner.backend == "simulated")
    }

    private func withTemporaryConfigFile(_ text: String, _ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("provisioner-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("provisioner.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try body(path)
    }
}
