import Host
import Logging
import PoolProvisioner
import ProvisionerAPI
import Testing

/// The pool backend's config as an operator writes it, decoded through the same loader `serve` uses.
struct PoolConfigurationTests {
    static let logger = Logger(label: "test.pool-config", factory: { _ in SwiftLogNoOpLogHandler() })

    private func makePool(_ yaml: String, environment: [String: String] = [:]) throws -> PoolAssignmentProvisioner {
        let configuration = try ConfigLoaderTests.loader.decode(text: yaml, source: "pool.yaml")
        let backend = try LinkedBackends.makeBackend(configuration, environment: environment, logger: Self.logger)
        return try #require(backend as? PoolAssignmentProvisioner)
    }

    @Test func anInlinePoolIsDecodedWithEveryField() throws {
        let pool = try makePool(
            """
            provisioner:
              backend: pool
              pool:
                reuse: immediate
                vms:
                  - { id: a, ipv6: "2001:db8::1", ssh_port: 2222, cockpit_url: "https://a:9090", plans: [small] }
                  - { id: b, status: maintenance, tags: [eu] }
            """)
        #expect(pool.configuration.reuse == .immediate)
        #expect(
            pool.configuration.inlineVMs == [
                PoolVM(id: "a", ipv6: "2001:db8::1", sshPort: 2222, cockpitURL: "https://a:9090", plans: ["small"]),
                PoolVM(id: "b", tags: ["eu"], status: .maintenance),
            ])
        #expect(pool.isDemo == false)
    }

    @Test(arguments: [
        (
            "    vms:\n      - { id: a }\n      - { id: b, ssh_port: 0 }\n",
            "pool.yaml:6:28: provisioner.pool.vms[1].ssh_port: 0 is out of range 1...65535"
        ),
        (
            "    vms:\n      - { id: a }\n      - { id: a }\n",
            "pool.yaml:6:15: provisioner.pool.vms[1].id: duplicate VM id 'a' (first used by pool[0])"
        ),
        (
            "    vms:\n      - { id: a, colour: red }\n",
            "pool.yaml:5:18: provisioner.pool.vms[0].colour: unknown key 'colour'"
        ),
        (
            "    reuse: sometimes\n    vms: [{ id: a }]\n",
            "pool.yaml:4:12: provisioner.pool.reuse: expected 'after_hook' or 'immediate', got 'sometimes'"
        ),
        (
            "    release_hook: { deployer_url: ftp://x }\n    vms: [{ id: a }]\n",
            "pool.yaml:4:35: provisioner.pool.release_hook.deployer_url: expected an http:// or https:// URL"
        ),
    ])
    func aBadPoolConfigNamesFileLineColumnAndKey(tail: String, expected: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try makePool("provisioner:\n  backend: pool\n  pool:\n" + tail)
        }
        #expect(error.description.hasPrefix(expected))
    }

    @Test func theEnvVarWinsOverTheFileAndInlineList() throws {
        let pool = try makePool(
            "provisioner:\n  backend: pool\n  pool:\n    source_env: MY_POOL\n    vms: [{ id: inline }]\n",
            environment: ["MY_POOL": #"{"pool":[{"id":"from-env"}]}"#])
        #expect(pool.currentPool.map(\.id) == ["from-env"])
    }

    @Test func aBadPoolInTheEnvVarIsAConfigErrorNamingTheVariableAndEntry() throws {
        let error = try #require(throws: ConfigError.self) {
            try makePool(
                "provisioner:\n  backend: pool\n  pool: {}\n",
                environment: ["VM_POOL_JSON": #"[{"id":"a","ipv4":"x"}]"#])
        }
        #expect(error.message.contains("$VM_POOL_JSON is invalid: pool[0].ipv4: 'x' is not an IPv4 address"))
    }

    @Test func aPoolBackendWithoutAnyPoolIsRefused() throws {
        let error = try #require(throws: ConfigError.self) { try makePool("provisioner:\n  backend: pool\n") }
        #expect(error.message.contains("has no pool"))
    }
}
