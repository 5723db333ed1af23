import Host
import ProvisionerAPI
import Testing

struct HostConfigurationDecodingTests {
    /// One bad config and the exact error it must give.
    struct BadConfig: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var path: String
        var line: Int
        var column: Int
        var message: String
        var testDescription: String { name }

        /// `bad.yaml:LINE:COLUMN: PATH: message`.
        var expectedDescription: String { "bad.yaml:\(line):\(column): \(path): \(message)" }
    }

    static let badConfigs: [BadConfig] = [
        BadConfig(
            name: "unknown top-level key suggests the close one",
            yaml: "server:\n  port: 8080\nservr:\n  host: x\n",
            // The key's position, not its value's.
            path: "servr", line: 3, column: 1, message: "unknown key 'servr'; did you mean 'server'?"),
        BadConfig(
            name: "unknown nested key suggests the close one",
            yaml: "server:\n  prot: 80\n",
            path: "server.prot", line: 2, column: 3, message: "unknown key 'prot'; did you mean 'port'?"),
        BadConfig(
            name: "wrong type",
            yaml: "server:\n  port: eighty\n",
            path: "server.port", line: 2, column: 9, message: "expected an integer, found 'eighty'"),
        BadConfig(
            name: "port out of range",
            yaml: "server:\n  port: 70000\n",
            path: "server.port", line: 2, column: 9, message: "70000 is out of range 0...65535"),
        BadConfig(
            name: "unknown backend suggests the linked one",
            yaml: "provisioner:\n  backend: simulatd\n",
            path: "provisioner.backend", line: 2, column: 12,
            message: "unknown backend 'simulatd'; this build links: pool, simulated, xcpng; did you mean 'simulated'?"),
        BadConfig(
            name: "inline secret instead of an env var name",
            yaml: "server:\n  admin_secret_env: hunter2 hunter2\n",
            path: "server.admin_secret_env", line: 2, column: 21,
            message:
                "expected the NAME of an environment variable (like MY_SECRET); secrets are never written inline"),
        BadConfig(
            name: "empty plans",
            yaml: "plans: {}\n",
            path: "plans", line: 1, column: 8,
            message: "expected a mapping of plan names to plans, with at least one plan"),
        BadConfig(
            name: "bad plan name",
            yaml: "plans:\n  Big Plan: { price_cents: 100 }\n",
            path: "plans.Big Plan", line: 2, column: 13,
            message: "plan name 'Big Plan' must be lowercase letters, digits, '-' or '_' (at most 63)"),
        BadConfig(
            name: "negative plan price",
            yaml: "plans:\n  small: { price_cents: -1 }\n",
            path: "plans.small.price_cents", line: 2, column: 25, message: "-1 is out of range 0...100000000"),
        BadConfig(
            name: "unknown store kind",
            yaml: "store:\n  kind: mysql\n",
            path: "store.kind", line: 2, column: 9,
            message: "unknown store kind 'mysql'; this build supports: sqlite, postgres"),
        BadConfig(
            name: "postgres pool bound out of range",
            yaml: "store:\n  kind: postgres\n  max_connections: 0\n",
            path: "store.max_connections", line: 3, column: 20, message: "0 is out of range 1...1000"),
        BadConfig(
            name: "down_after_s below stale_after_s",
            yaml: "reconcile:\n  stale_after_s: 600\n  down_after_s: 300\n",
            path: "reconcile.down_after_s", line: 3, column: 17,
            message: "down_after_s (300) must not be less than stale_after_s (600)"),
        BadConfig(
            name: "blocked port out of range",
            yaml: "limits:\n  blocked_ports: [25, 0]\n",
            path: "limits.blocked_ports[1]", line: 2, column: 23, message: "0 is out of range 1...65535"),
        BadConfig(
            name: "payment window of zero",
            yaml: "limits:\n  payment_window_s: 0\n",
            path: "limits.payment_window_s", line: 2, column: 21, message: "0 is out of range 1...31536000"),
        BadConfig(
            name: "payment window that is not an integer",
            yaml: "limits:\n  payment_window_s: 1h\n",
            path: "limits.payment_window_s", line: 2, column: 21, message: "expected an integer, found '1h'"),
        BadConfig(
            name: "dashboard link TTL below a minute",
            yaml: "server:\n  dashboard_link_ttl_s: 59\n",
            path: "server.dashboard_link_ttl_s", line: 2, column: 25, message: "59 is out of range 60...2592000"),
        BadConfig(
            name: "inline dashboard secret",
            yaml: "server:\n  dashboard_secret_env: not a name\n",
            path: "server.dashboard_secret_env", line: 2, column: 25,
            message:
                "expected the NAME of an environment variable (like MY_SECRET); secrets are never written inline"),
        BadConfig(
            name: "section of the wrong kind",
            yaml: "server: 8080\n",
            path: "server", line: 1, column: 9, message: "expected a mapping, found a scalar"),
    ]

    @Test(arguments: badConfigs)
    func badConfigNamesFileLineColumnPathAndProblem(_ bad: BadConfig) throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoaderTests.loader.decode(text: bad.yaml, source: "bad.yaml")
        }
        #expect(error.source == "bad.yaml")
        #expect(error.path == bad.path)
        #expect(error.mark == ConfigNode.Mark(line: bad.line, column: bad.column))
        #expect(error.message == bad.message)
        #expect(error.description == bad.expectedDescription)
    }

    @Test func inlineSecretIsNotEchoedInTheError() throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoaderTests.loader.decode(
                text: "server:\n  service_token_env: s3cr3t-t0ken-value\n", source: "bad.yaml")
        }
        #expect(error.path == "server.service_token_env")
        #expect(!error.description.contains("s3cr3t"))
    }

    @Test func gateAndConvergeAreDecoded() throws {
        let yaml = """
            gate:
              allowed_signers_file: /etc/provisioner/allowed_signers
              max_validity_s: 600
              roles: { operational: [alice@ops], recovery: [bob@ops, carol@ops] }
            reconcile: { converge: true }
            """
        let configuration = try ConfigLoaderTests.loader.decode(text: yaml, source: "gate.yaml")
        #expect(configuration.gate.allowedSignersFile == "/etc/provisioner/allowed_signers")
        #expect(configuration.gate.namespace == "provisioner-op")
        #expect(configuration.gate.maxValiditySeconds == 600)
        #expect(configuration.gate.roles(of: "bob@ops") == [.recovery])
        #expect(configuration.gate.roles(of: "alice@ops") == [.operational])
        #expect(configuration.gate.roles(of: "eve@ops").isEmpty)
        #expect(configuration.reconcile.converge)
        let defaults = try ConfigLoaderTests.loader.decode(text: "plans: { small: {} }\n", source: "d.yaml")
        #expect(defaults.gate.maxValiditySeconds == 900)
        #expect(defaults.gate.allowedSignersFile == nil)
        #expect(!defaults.reconcile.converge)
    }

    @Test(arguments: [
        ("gate:\n  roles: { admin: [x] }\n", "gate.roles.admin"),
        ("gate:\n  max_validity_s: 5\n", "gate.max_validity_s"),
        ("gate:\n  roles: { operational: [\"a,b\"] }\n", "gate.roles.operational[0]"),
    ])
    func badGateConfigNamesItsKey(yaml: String, path: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoaderTests.loader.decode(text: yaml, source: "gate.yaml")
        }
        #expect(error.path == path)
    }

    @Test func postgresStoreIsDecoded() throws {
        let yaml = "store: { kind: postgres, url_env: MY_DATABASE_URL, max_connections: 32 }\n"
        let configuration = try ConfigLoaderTests.loader.decode(text: yaml, source: "pg.yaml")
        #expect(configuration.store.kind == "postgres")
        #expect(configuration.store.urlEnv == "MY_DATABASE_URL")
        #expect(configuration.store.maxConnections == 32)
    }

    @Test func overridesAreDecoded() throws {
        let yaml = """
            server:
              { host: 0.0.0.0, port: 0, admin_secret_env: MY_ADMIN, max_body_bytes: 2048,
                dashboard_secret_env: MY_DASHBOARD, dashboard_link_ttl_s: 600 }
            store: { path: /tmp/x.sqlite, synchronous: NORMAL }
            plans:
              big: { vcpus: 4, memory_mib: 8192, disk_gib: 80, price_cents: 4_000 }
            limits: { max_paid_vms_per_user: 0, blocked_ports: [], payment_window_s: 900 }
            reconcile: { stale_after_s: 10, down_after_s: 10 }
            worker: { concurrency: 2, lease_s: 30, poll_interval_ms: 100 }
            """
        let configuration = try ConfigLoaderTests.loader.decode(text: yaml, source: "ok.yaml")
        #expect(configuration.server.host == "0.0.0.0")
        #expect(configuration.server.port == 0)
        #expect(configuration.server.adminSecretEnv == "MY_ADMIN")
        #expect(configuration.server.serviceTokenEnv == "PROVISIONER_SERVICE_TOKEN")
        #expect(configuration.server.maxBodyBytes == 2048)
        #expect(configuration.server.dashboardSecretEnv == "MY_DASHBOARD")
        #expect(configuration.server.dashboardLinkTTLSeconds == 600)
        #expect(configuration.store.path == "/tmp/x.sqlite")
        #expect(configuration.store.synchronous == "normal")
        #expect(configuration.store.urlEnv == "PROVISIONER_DATABASE_URL")
        #expect(configuration.store.maxConnections == 10)
        #expect(
            configuration.plans == [
                "big": PlanSpec(name: "big", vcpus: 4, memoryMiB: 8192, diskGiB: 80, priceCents: 4000)
            ])
        #expect(configuration.limits.maxPaidVMsPerUser == 0)
        #expect(configuration.limits.blockedPorts.isEmpty)
        #expect(configuration.limits.paymentWindowSeconds == 900)
        #expect(configuration.reconcile.downAfterSeconds == 10)
        #expect(configuration.worker.concurrency == 2)
        #expect(configuration.worker.leaseSeconds == 30)
        #expect(configuration.worker.pollIntervalMilliseconds == 100)
    }

    @Test func dashboardDefaults() throws {
        let configuration = try ConfigLoaderTests.loader.decode(text: "server: { port: 1 }\n", source: "ok.yaml")
        #expect(configuration.server.dashboardSecretEnv == "PROVISIONER_DASHBOARD_SECRET")
        #expect(configuration.server.dashboardLinkTTLSeconds == 3600)
    }
}
