import ProvisionerAPI
import Testing

struct ConfigNodeReaderTests {
    private static let simulatedKeys = ["provision_delay_ms", "failure_rate", "capacity", "seed"]

    /// Reads `value` as the only key of a one-key mapping and returns the error it throws.
    private func configError(reading value: YAMLTree, _ read: (ConfigMapping) throws -> Void) throws -> ConfigError {
        let root = YAMLTree.mapping([("key", value)]).document()
        let map = try root.mapping(allowing: ["key"])
        return try #require(throws: ConfigError.self) { try read(map) }
    }

    // MARK: mapping(allowing:)

    @Test func unknownKeyNamesPathAndPositionAndSuggestsTheCloseKey() throws {
        // provisioner:
        //   simulated:
        //     provision_delay_ms: 10
        //     failur_rate: 0.5
        let root = YAMLTree.mapping([
            ("provisioner", ["simulated": ["provision_delay_ms": 10, "failur_rate": 0.5]])
        ]).document(source: "config/provisioner.yaml")
        let simulated = try #require(root["provisioner", "simulated"])

        let error = try #require(throws: ConfigError.self) {
            try simulated.mapping(allowing: Self.simulatedKeys)
        }
        #expect(error.path == "provisioner.simulated.failur_rate")
        #expect(error.mark == ConfigNode.Mark(line: 4, column: 18))
        #expect(error.message == "unknown key 'failur_rate'; did you mean 'failure_rate'?")
        #expect(
            error.description
                == "config/provisioner.yaml:4:18: provisioner.simulated.failur_rate: unknown key 'failur_rate'; did you mean 'failure_rate'?"
        )
    }

    @Test func unknownKeyFarFromEveryKeyListsTheAllowedKeys() throws {
        let root: YAMLTree = ["colour": "blue"]
        let error = try #require(throws: ConfigError.self) {
            try root.document().mapping(allowing: Self.simulatedKeys)
        }
        #expect(error.message == "unknown key 'colour'; allowed keys: provision_delay_ms, failure_rate, capacity, seed")
        #expect(!error.message.contains("did you mean"))
    }

    private enum Keys: String, CaseIterable {
        case failureRate = "failure_rate"
        case capacity
    }

    @Test func caseIterableKeysAreTheAllowedKeys() throws {
        let root: YAMLTree = ["capacity": 3, "failure_rate": 0.25]
        let map = try root.document().mapping(allowing: Keys.self)
        #expect(map.keys == ["capacity", "failure_rate"])

        let bad: YAMLTree = ["capacty": 3]
        let error = try #require(throws: ConfigError.self) { try bad.document().mapping(allowing: Keys.self) }
        #expect(error.message == "unknown key 'capacty'; did you mean 'capacity'?")
    }

    @Test func duplicateKeyIsRejectedAtItsSecondOccurrence() throws {
        // capacity: 1
        // capacity: 2
        let root = YAMLTree.mapping([("capacity", 1), ("capacity", 2)]).document()
        let error = try #require(throws: ConfigError.self) { try root.mapping(allowing: ["capacity"]) }
        #expect(error.message == "key 'capacity' appears twice")
        #expect(error.path == "capacity")
        #expect(error.mark == ConfigNode.Mark(line: 2, column: 11))
    }

    @Test func scalarWhereAMappingBelongsIsAWrongKindError() throws {
        // provisioner:
        //   simulated: fast
        let root: YAMLTree = ["provisioner": ["simulated": "fast"]]
        let simulated = try #require(root.document()["provisioner", "simulated"])
        let error = try #require(throws: ConfigError.self) { try simulated.mapping(allowing: Self.simulatedKeys) }
        #expect(error.description == "provisioner.yaml:2:14: provisioner.simulated: expected a mapping, found a scalar")
    }

    @Test func listWhereAMappingBelongsIsAWrongKindError() throws {
        let root: YAMLTree = ["server": ["a", "b"]]
        let server = try #require(root.document()["server"])
        let error = try #require(throws: ConfigError.self) { try server.mapping(allowing: ["host"]) }
        #expect(error.message == "expected a mapping, found a list")
        #expect(error.path == "server")
    }

    @Test func nullMappingIsEmpty() throws {
        let root: YAMLTree = ["simulated": nil]
        let simulated = try #require(root.document()["simulated"])
        let map = try simulated.mapping(allowing: Self.simulatedKeys)
        #expect(map.keys.isEmpty)
        #expect(try map.int("capacity", default: 7) == 7)
    }

    // MARK: ConfigMapping lookups

    @Test func absentAndNullKeysGiveDefaults() throws {
        let root: YAMLTree = ["seed": nil]
        let map = try root.document().mapping(allowing: Self.simulatedKeys)
        #expect(map.node("seed") == nil)
        #expect(map.node("capacity") == nil)
        #expect(try map.int("seed", default: 4) == 4)
        #expect(try map.int("seed") == nil)
        #expect(try map.double("failure_rate", default: 0.5) == 0.5)
        #expect(try map.string("capacity", default: "x") == "x")
        #expect(try map.string("capacity") == nil)
        #expect(try map.bool("capacity", default: true))
    }

    @Test func requiredKeyMissingIsLocatedAtTheMapping() throws {
        // store:
        //   kind: sqlite
        let root: YAMLTree = ["store": ["kind": "sqlite"]]
        let map = try #require(root.document()["store"]).mapping(allowing: ["kind", "path"])
        #expect(try map.required("kind").asString() == "sqlite")
        let error = try #require(throws: ConfigError.self) { try map.required("path") }
        #expect(error.description == "provisioner.yaml:2:3: store: missing required key 'path'")
    }

    @Test func valuesAreRead() throws {
        let root: YAMLTree = [
            "provision_delay_ms": "1_000", "failure_rate": 0.25, "capacity": 3, "seed": "-7", "name": "sim",
            "enabled": "yes",
        ]
        let map = try root.document().mapping(allowing: [
            "provision_delay_ms", "failure_rate", "capacity", "seed", "name", "enabled",
        ])
        #expect(try map.int("provision_delay_ms", default: 0) == 1000)
        #expect(try map.double("failure_rate", default: 0) == 0.25)
        #expect(try map.int("capacity", in: 0...10) == 3)
        #expect(try map.int("seed") == -7)
        #expect(try map.string("name") == "sim")
        #expect(try map.bool("enabled", default: false))
    }

    // MARK: Scalars

    @Test func intOutOfRangeNamesTheRange() throws {
        let error = try configError(reading: 700_000) { _ = try $0.int("key", default: 50, in: 0...600_000) }
        #expect(error.message == "700000 is out of range 0...600000")
        #expect(error.description == "provisioner.yaml:1:6: key: 700000 is out of range 0...600000")
    }

    @Test(arguments: ["1.5", "ten", "0x10", "1e3", "", "_"])
    func nonIntegerIsRejected(text: String) throws {
        let error = try configError(reading: .scalar(text)) { _ = try $0.int("key", default: 0) }
        #expect(error.message == "expected an integer, found '\(text)'")
        #expect(error.path == "key")
    }

    @Test func intFromAMappingIsAWrongKindError() throws {
        let error = try configError(reading: ["a": 1]) { _ = try $0.int("key", default: 0) }
        #expect(error.message == "expected an integer, found a mapping")
    }

    @Test func doubleOutOfRangeNamesTheRange() throws {
        let error = try configError(reading: 1.5) { _ = try $0.double("key", default: 0, in: 0...1) }
        #expect(error.message == "1.5 is out of range 0.0...1.0")
    }

    @Test(arguments: ["nan", "inf", "-infinity", "half", "0,5"])
    func nonFiniteOrNonNumberIsRejected(text: String) throws {
        let error = try configError(reading: .scalar(text)) { _ = try $0.double("key", default: 0) }
        #expect(error.message == "expected a number, found '\(text)'")
    }

    @Test(arguments: [
        ("true", true), ("True", true), ("TRUE", true), ("yes", true), ("on", true), ("On", true),
        ("false", false), ("False", false), ("no", false), ("NO", false), ("off", false),
    ])
    func boolAcceptsYAMLSpellings(text: String, expected: Bool) throws {
        let node = ConfigNode(content: .scalar(text))
        #expect(try node.asBool() == expected)
    }

    @Test(arguments: ["1", "0", "y", "n", "enabled", ""])
    func boolRejectsEverythingElse(text: String) throws {
        let error = try #require(throws: ConfigError.self) { try ConfigNode(content: .scalar(text)).asBool() }
        #expect(error.message == "expected true or false, found '\(text)'")
    }

    @Test func stringFromAListIsAWrongKindError() throws {
        let error = try configError(reading: ["a"]) { _ = try $0.string("key") }
        #expect(error.message == "expected a string, found a list")
    }

    // MARK: Lists

    @Test func listReadsEachItemWithItsOwnPath() throws {
        // limits:
        //   blocked_ports:
        //     - 25
        //     - smtp
        let root: YAMLTree = ["limits": ["blocked_ports": [25, "smtp"]]]
        let ports = try #require(root.document()["limits", "blocked_ports"])
        let error = try #require(throws: ConfigError.self) { try ports.asList { try $0.asInt() } }
        #expect(error.description == "provisioner.yaml:4:7: limits.blocked_ports[1]: expected an integer, found 'smtp'")

        let good: YAMLTree = ["blocked_ports": [25, 465, 587]]
        #expect(try #require(good.document()["blocked_ports"]).asList { try $0.asInt() } == [25, 465, 587])
    }

    @Test func nullListIsEmptyAndScalarListIsAWrongKindError() throws {
        #expect(try ConfigNode(content: .null).asList { try $0.asInt() } == [])
        let error = try #require(throws: ConfigError.self) {
            try ConfigNode(content: .scalar("25")).asList { try $0.asInt() }
        }
        #expect(error.message == "expected a list, found a scalar")
    }

    // MARK: envVarName

    @Test(arguments: ["MY_TOKEN", "PROVISIONER_ADMIN_SECRET", "_PRIVATE", "token2", "a"])
    func envVarNameAcceptsNames(name: String) throws {
        let root: YAMLTree = ["admin_secret_env": .scalar(name)]
        let map = try root.document().mapping(allowing: ["admin_secret_env"])
        #expect(try map.envVarName("admin_secret_env", default: "DEFAULT") == name)
    }

    @Test(arguments: ["hunter2 pass", "sk-123/abc", "2FA_TOKEN", "", "pa$$word", "TOKEN=abc", "ÄPFEL"])
    func envVarNameRejectsInlineSecrets(value: String) throws {
        // server:
        //   admin_secret_env: <value>
        let root: YAMLTree = ["server": ["admin_secret_env": .scalar(value)]]
        let map = try #require(root.document()["server"]).mapping(allowing: ["admin_secret_env"])
        let error = try #require(throws: ConfigError.self) {
            try map.envVarName("admin_secret_env", default: "PROVISIONER_ADMIN_SECRET")
        }
        #expect(error.path == "server.admin_secret_env")
        #expect(error.mark == ConfigNode.Mark(line: 2, column: 21))
        #expect(error.message.contains("NAME of an environment variable"))
        #expect(!error.description.contains(value) || value.isEmpty, "the rejected secret must not be echoed")
    }

    @Test func envVarNameAbsentGivesTheDefault() throws {
        let map = try ConfigNode(content: .mapping([])).mapping(allowing: ["admin_secret_env"])
        #expect(
            try map.envVarName("admin_secret_env", default: "PROVISIONER_ADMIN_SECRET") == "PROVISIONER_ADMIN_SECRET")
    }
}
