import Host
import Logging
import ProvisionerAPI
import SimulatedProvisioner
import Testing

struct LinkedBackendsTests {
    static let logger = Logger(label: "test.linked-backends", factory: { _ in SwiftLogNoOpLogHandler() })

    private func makeBackend(_ yaml: String) throws -> any Provisioner {
        let configuration = try ConfigLoaderTests.loader.decode(text: yaml, source: "backend.yaml")
        return try LinkedBackends.makeBackend(configuration, environment: [:], logger: Self.logger)
    }

    @Test func linksTheSimulatedAndPoolBackends() {
        #expect(LinkedBackends.registry.kinds == ["pool", "simulated"])
    }

    @Test func embeddedDefaultBuildsTheSimulatedBackend() throws {
        let configuration = try ConfigLoaderTests.loader.load(path: nil)
        let backend = try LinkedBackends.makeBackend(configuration, environment: [:], logger: Self.logger)
        let simulated = try #require(backend as? SimulatedProvisioner)
        #expect(simulated.isDemo)
        #expect(simulated.configuration.provisionDelayMilliseconds == 50)
        #expect(simulated.configuration.failureRate == 0)
    }

    @Test func backendSubtreeIsHandedToThePlugin() throws {
        let backend = try makeBackend(
            "provisioner:\n  simulated:\n    provision_delay_ms: 0\n    failure_rate: 0.25\n    capacity: 7\n")
        let simulated = try #require(backend as? SimulatedProvisioner)
        #expect(
            simulated.configuration
                == SimulatedProvisionerConfiguration(provisionDelayMilliseconds: 0, failureRate: 0.25, capacity: 7))
    }

    @Test func requireRealRefusesTheSimulatedBackend() throws {
        let error = try #require(throws: ConfigError.self) {
            try makeBackend("provisioner:\n  backend: simulated\n  require_real: true\n")
        }
        #expect(error.path == "provisioner.require_real")
        #expect(error.mark == ConfigNode.Mark(line: 3, column: 17))
        #expect(error.message.contains("require_real"))
        #expect(
            error.description
                == "backend.yaml:3:17: provisioner.require_real: provisioner.require_real is true, but backend "
                + "'simulated' is a demo that creates nothing real")
    }

    @Test func unknownKeyInTheBackendSubtreeSuggestsTheCloseOne() throws {
        let error = try #require(throws: ConfigError.self) {
            try makeBackend("provisioner:\n  backend: simulated\n  simulated:\n    failure_rat: 0.5\n")
        }
        #expect(
            error.description
                == "backend.yaml:4:5: provisioner.simulated.failure_rat: unknown key 'failure_rat'; "
                + "did you mean 'failure_rate'?")
    }

    @Test func failureRateOutOfRange() throws {
        let error = try #require(throws: ConfigError.self) {
            try makeBackend("provisioner:\n  simulated:\n    failure_rate: 2\n")
        }
        #expect(error.path == "provisioner.simulated.failure_rate")
        #expect(error.mark == ConfigNode.Mark(line: 3, column: 19))
        #expect(error.message == "2.0 is out of range 0.0...1.0")
        #expect(
            error.description == "backend.yaml:3:19: provisioner.simulated.failure_rate: 2.0 is out of range 0.0...1.0")
    }

    @Test func subtreeForAnUnlinkedBackendIsAnUnknownKey() throws {
        let error = try #require(throws: ConfigError.self) {
            try makeBackend("provisioner:\n  xcpng:\n    url: https://x\n")
        }
        #expect(error.path == "provisioner.xcpng")
        #expect(error.mark == ConfigNode.Mark(line: 2, column: 3))  // where the key is written
        #expect(error.message.hasPrefix("unknown key 'xcpng'"))
    }
}
