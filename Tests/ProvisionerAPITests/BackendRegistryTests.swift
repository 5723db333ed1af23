import Logging
import ProvisionerAPI
import Testing

struct BackendRegistryTests {
    private let context = BackendContext(
        logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
        environment: ["FAKE_TOKEN": "t0ken"], dataDirectory: "/tmp/provisioner-test-data")

    /// A backend that records what its factory was given.
    private struct FakeBackend: Provisioner {
        var name: String
        var config: ConfigNode?
        var token: String?
        var isDemo: Bool { true }
        func allocate(_ request: AllocationRequest, logger: Logger) async throws -> VmAllocation {
            VmAllocation(allocationID: request.allocationID, backend: name)
        }
        func release(_ allocation: VmAllocation, logger: Logger) async throws {}
        func status(_ allocation: VmAllocation, logger: Logger) async throws -> VmStatus { .init(powerState: .gone) }
    }

    private static func plugin(_ kind: String) -> BackendPlugin {
        BackendPlugin(kind: kind) { config, context in
            _ = try config?.mapping(allowing: ["token_env"])
            return FakeBackend(name: kind, config: config, token: context.environment["FAKE_TOKEN"])
        }
    }

    private let registry = BackendRegistry([plugin("simulated"), plugin("pool"), plugin("xcpng")])

    @Test func kindsAreSortedAndLookedUp() {
        #expect(registry.kinds == ["pool", "simulated", "xcpng"])
        #expect(registry.contains("pool"))
        #expect(!registry.contains("Pool"))
        #expect(BackendRegistry([]).kinds.isEmpty)
    }

    @Test func makeBackendBuildsTheRegisteredPluginWithItsConfigAndContext() throws {
        let config = ConfigNode(
            content: .mapping([.init(key: "token_env", value: .init(content: .scalar("FAKE_TOKEN")))]),
            path: ["provisioner", "pool"])
        let backend = try registry.makeBackend(kind: "pool", config: config, context: context)
        let fake = try #require(backend as? FakeBackend)
        #expect(fake.name == "pool")
        #expect(fake.config == config)
        #expect(fake.token == "t0ken")
    }

    @Test func makeBackendPassesAnAbsentSubtreeAsNil() throws {
        let backend = try registry.makeBackend(kind: "xcpng", config: nil, context: context)
        #expect(try #require(backend as? FakeBackend).config == nil)
    }

    @Test func unknownKindListsKindsAndSuggestsTheCloseOne() throws {
        // provisioner:
        //   backend: simulatd
        let kindNode = ConfigNode(
            content: .scalar("simulatd"), path: ["provisioner", "backend"], mark: .init(line: 2, column: 12),
            source: "provisioner.yaml")
        let error = try #require(throws: ConfigError.self) {
            try registry.makeBackend(kind: "simulatd", kindNode: kindNode, config: nil, context: context)
        }
        #expect(
            error.description
                == "provisioner.yaml:2:12: provisioner.backend: unknown backend 'simulatd'; expected one of: pool, simulated, xcpng; did you mean 'simulated'?"
        )
    }

    @Test func unknownKindFarFromEveryKindOnlyLists() throws {
        let error = try #require(throws: ConfigError.self) {
            try registry.makeBackend(kind: "openstack", config: nil, context: context)
        }
        #expect(error.message == "unknown backend 'openstack'; expected one of: pool, simulated, xcpng")
        #expect(error.path == "<root>")
    }

    @Test func pluginConfigErrorsPassThrough() throws {
        let config = ConfigNode(
            content: .mapping([
                .init(key: "tokn_env", value: .init(content: .scalar("X"), path: ["provisioner", "pool", "tokn_env"]))
            ]),
            path: ["provisioner", "pool"])
        let error = try #require(throws: ConfigError.self) {
            try registry.makeBackend(kind: "pool", config: config, context: context)
        }
        #expect(error.path == "provisioner.pool.tokn_env")
        #expect(error.message == "unknown key 'tokn_env'; did you mean 'token_env'?")
    }

    @Test func laterPluginOfTheSameKindReplacesTheEarlier() throws {
        let replacement = BackendPlugin(kind: "pool") { _, _ in FakeBackend(name: "replacement") }
        let registry = BackendRegistry([Self.plugin("pool"), replacement])
        #expect(registry.kinds == ["pool"])
        let backend = try registry.makeBackend(kind: "pool", config: nil, context: context)
        #expect(backend.name == "replacement")
    }
}
