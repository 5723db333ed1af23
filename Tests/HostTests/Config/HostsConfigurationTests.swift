import Host
import ProvisionerAPI
import Testing

struct HostsConfigurationTests {
    @Test func defaultsAreDesignSection10s() throws {
        let configuration = try ConfigLoaderTests.loader.decode(text: "server: { port: 1 }\n", source: "ok.yaml")
        let hosts = configuration.hosts
        #expect(hosts.checkIntervalSeconds == 60)
        #expect(hosts.staleAfterSeconds == 1800)
        #expect(hosts.downAfterSeconds == 3600)
        #expect(hosts.maxReportBytes == 4 * 1024 * 1024)
        #expect(hosts.reportRetentionDays == 30)
        #expect(hosts.pollIntervalSeconds == 900)
        #expect(hosts.globalKeyEnv == nil)
    }

    @Test func overridesAreDecoded() throws {
        let yaml = """
            hosts:
              check_interval_s: 5
              stale_after_s: 30
              down_after_s: 60
              max_report_bytes: 2048
              report_retention_days: 7
              poll_interval_s: 60
              global_key_env: MY_GLOBAL_HOST_KEY
            """
        let hosts = try ConfigLoaderTests.loader.decode(text: yaml, source: "ok.yaml").hosts
        #expect(hosts.checkIntervalSeconds == 5)
        #expect(hosts.staleAfterSeconds == 30)
        #expect(hosts.downAfterSeconds == 60)
        #expect(hosts.maxReportBytes == 2048)
        #expect(hosts.reportRetentionDays == 7)
        #expect(hosts.pollIntervalSeconds == 60)
        #expect(hosts.globalKeyEnv == "MY_GLOBAL_HOST_KEY")
    }

    static let badConfigs: [HostConfigurationDecodingTests.BadConfig] = [
        .init(
            name: "unknown hosts key suggests the close one", yaml: "hosts:\n  stale_after: 10\n",
            path: "hosts.stale_after", line: 2, column: 3,
            message: "unknown key 'stale_after'; did you mean 'stale_after_s'?"),
        .init(
            name: "down before stale", yaml: "hosts:\n  stale_after_s: 600\n  down_after_s: 300\n",
            path: "hosts.down_after_s", line: 3, column: 17,
            message: "down_after_s (300) must not be less than stale_after_s (600)"),
        .init(
            name: "report limit too small", yaml: "hosts:\n  max_report_bytes: 10\n",
            path: "hosts.max_report_bytes", line: 2, column: 21, message: "10 is out of range 1024...67108864"),
        .init(
            name: "check interval not an integer", yaml: "hosts:\n  check_interval_s: 1m\n",
            path: "hosts.check_interval_s", line: 2, column: 21, message: "expected an integer, found '1m'"),
        .init(
            name: "inline global key", yaml: "hosts:\n  global_key_env: abc def\n",
            path: "hosts.global_key_env", line: 2, column: 19,
            message:
                "expected the NAME of an environment variable (like MY_SECRET); secrets are never written inline"),
    ]

    @Test(arguments: badConfigs)
    func badHostsConfigNamesFileLineColumn(_ bad: HostConfigurationDecodingTests.BadConfig) throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoaderTests.loader.decode(text: bad.yaml, source: "bad.yaml")
        }
        #expect(error.description == bad.expectedDescription)
    }
}
