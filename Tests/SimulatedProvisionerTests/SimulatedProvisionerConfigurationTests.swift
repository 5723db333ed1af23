import ProvisionerAPI
import SimulatedProvisioner
import Testing

/// The `provisioner.simulated` subtree as the Host's YAML reader hands it over:
/// ```yaml
/// provisioner:            # line 1
///   simulated:            # line 2, the subtree's first key on line 3
///     key: value          # line 3 + n, the value after "key: "
/// ```
func simulatedNode(_ pairs: [(key: String, value: String)], source: String = "provisioner.yaml") -> ConfigNode {
    let base = ["provisioner", "simulated"]
    let entries = pairs.enumerated().map { index, pair in
        ConfigNode.Entry(
            key: pair.key,
            value: ConfigNode(
                content: .scalar(pair.value), path: base + [pair.key],
                mark: .init(line: 3 + index, column: 5 + pair.key.count + 2), source: source))
    }
    return ConfigNode(content: .mapping(entries), path: base, mark: .init(line: 3, column: 5), source: source)
}

struct SimulatedProvisionerConfigurationTests {
    @Test func absentSubtreeGivesTheDefaults() throws {
        let configuration = try SimulatedProvisionerConfiguration(decoding: nil)
        #expect(configuration == SimulatedProvisionerConfiguration())
        #expect(configuration.provisionDelayMilliseconds == 50)
        #expect(configuration.failureRate == 0)
        #expect(configuration.capacity == nil)
        #expect(configuration.seed == nil)
        #expect(configuration.sshBannerListener == false)
    }

    @Test(arguments: [ConfigNode.Content.null, .mapping([])])
    func emptySubtreeGivesTheDefaults(content: ConfigNode.Content) throws {
        let node = ConfigNode(content: content, path: ["provisioner", "simulated"])
        #expect(try SimulatedProvisionerConfiguration(decoding: node) == SimulatedProvisionerConfiguration())
    }

    @Test func valuesAreRead() throws {
        let node = simulatedNode([
            ("provision_delay_ms", "0"), ("failure_rate", "0.25"), ("capacity", "3"), ("seed", "42"),
            ("ssh_banner_listener", "true"),
        ])
        let configuration = try SimulatedProvisionerConfiguration(decoding: node)
        #expect(
            configuration
                == SimulatedProvisionerConfiguration(
                    provisionDelayMilliseconds: 0, failureRate: 0.25, capacity: 3, seed: 42, sshBannerListener: true))
    }

    @Test func someValuesKeepTheOtherDefaults() throws {
        let configuration = try SimulatedProvisionerConfiguration(decoding: simulatedNode([("capacity", "10")]))
        #expect(configuration == SimulatedProvisionerConfiguration(capacity: 10))
    }

    @Test func unknownKeyIsRejectedWithASuggestion() throws {
        let node = simulatedNode([("provision_delay_ms", "10"), ("failur_rate", "0.5")], source: "config/sim.yaml")
        let error = try #require(throws: ConfigError.self) { try SimulatedProvisionerConfiguration(decoding: node) }
        #expect(
            error.description
                == "config/sim.yaml:4:18: provisioner.simulated.failur_rate: unknown key 'failur_rate'; did you mean 'failure_rate'?"
        )
    }

    @Test func failureRateAboveOneIsOutOfRange() throws {
        let error = try #require(throws: ConfigError.self) {
            try SimulatedProvisionerConfiguration(decoding: simulatedNode([("failure_rate", "1.5")]))
        }
        #expect(error.path == "provisioner.simulated.failure_rate")
        #expect(error.mark == ConfigNode.Mark(line: 3, column: 19))
        #expect(error.message == "1.5 is out of range 0.0...1.0")
    }

    @Test(arguments: [
        ("failure_rate", "-0.1", "-0.1 is out of range 0.0...1.0"),
        ("failure_rate", "half", "expected a number, found 'half'"),
        ("provision_delay_ms", "-1", "-1 is out of range 0...600000"),
        ("provision_delay_ms", "600001", "600001 is out of range 0...600000"),
        ("provision_delay_ms", "50ms", "expected an integer, found '50ms'"),
        ("capacity", "-1", "-1 is out of range 0...10000000"),
        ("capacity", "2.5", "expected an integer, found '2.5'"),
        ("seed", "-1", "-1 is out of range 0...\(Int.max)"),
        ("ssh_banner_listener", "maybe", "expected true or false, found 'maybe'"),
    ])
    func badValuesNameTheKey(key: String, value: String, message: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try SimulatedProvisionerConfiguration(decoding: simulatedNode([(key, value)]))
        }
        #expect(error.path == "provisioner.simulated.\(key)")
        #expect(error.message == message)
    }

    @Test func scalarSubtreeIsAWrongKindError() throws {
        let node = ConfigNode(
            content: .scalar("fast"), path: ["provisioner", "simulated"], mark: .init(line: 2, column: 14),
            source: "provisioner.yaml")
        let error = try #require(throws: ConfigError.self) { try SimulatedProvisionerConfiguration(decoding: node) }
        #expect(error.description == "provisioner.yaml:2:14: provisioner.simulated: expected a mapping, found a scalar")
    }
}
