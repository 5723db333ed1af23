import ProvisionerAPI
import Testing
import XCPNGProvisioner

/// A config value: a scalar, a list of scalars, or a mapping.
indirect enum Value {
    case scalar(String)
    case list([String])
    case mapping([(String, Value)])
}

/// The `provisioner.xcpng` subtree, each key on its own line from line 3, values at column 20.
func xcpngNode(_ pairs: [(String, Value)]) -> ConfigNode {
    var line = 3
    func build(_ value: Value, path: [String]) -> ConfigNode {
        let mark = ConfigNode.Mark(line: line, column: 20)
        switch value {
        case .scalar(let text):
            return ConfigNode(content: .scalar(text), path: path, mark: mark, source: "x.yaml")
        case .list(let items):
            let nodes = items.enumerated().map { index, item in
                ConfigNode(content: .scalar(item), path: path + ["[\(index)]"], mark: mark, source: "x.yaml")
            }
            return ConfigNode(content: .sequence(nodes), path: path, mark: mark, source: "x.yaml")
        case .mapping(let members):
            let entries = members.map { key, member -> ConfigNode.Entry in
                line += 1
                return ConfigNode.Entry(key: key, value: build(member, path: path + [key]))
            }
            return ConfigNode(content: .mapping(entries), path: path, mark: mark, source: "x.yaml")
        }
    }
    line = 2
    return build(.mapping(pairs), path: ["provisioner", "xcpng"])
}

let minimal: [(String, Value)] = [
    ("url", .scalar("https://xcp.example")), ("template", .scalar("debian-12-cloud")), ("network", .scalar("pool-net")),
]

struct XCPNGProvisionerConfigurationTests {
    @Test func minimalConfigGetsTheDefaults() throws {
        let configuration = try XCPNGProvisionerConfiguration(decoding: xcpngNode(minimal))
        #expect(configuration.url == XAPIEndpoint(scheme: "https", host: "xcp.example", port: 443))
        #expect(configuration.usernameEnv == "XCPNG_USER")
        #expect(configuration.passwordEnv == "XCPNG_PASSWORD")
        #expect(configuration.tls == .system)
        #expect(configuration.ipWaitTimeoutSeconds == 300)
        #expect(configuration.maxConcurrentTasks == 2)
        #expect(configuration.sr == nil)
        #expect(configuration.startupWarnings.isEmpty)
    }

    @Test func everyKeyIsRead() throws {
        let configuration = try XCPNGProvisionerConfiguration(
            decoding: xcpngNode(
                minimal + [
                    ("username_env", .scalar("POOL_USER")), ("password_env", .scalar("POOL_PW")),
                    ("sr", .scalar("nfs")),
                    ("tls", .mapping([("fingerprint_sha256", .list([String(repeating: "AB:", count: 31) + "AB"]))])),
                    ("ip_wait_timeout_s", .scalar("120")), ("max_concurrent_tasks", .scalar("4")),
                    ("call_timeout_s", .scalar("10")), ("task_timeout_s", .scalar("60")),
                    ("poll_interval_ms", .scalar("500")), ("owner_tag", .scalar("hcp-eu")),
                ]))
        #expect(configuration.usernameEnv == "POOL_USER")
        #expect(configuration.passwordEnv == "POOL_PW")
        #expect(configuration.sr == "nfs")
        #expect(configuration.tls == .pinned([String(repeating: "ab", count: 32)]))
        #expect(configuration.ipWaitTimeoutSeconds == 120)
        #expect(configuration.maxConcurrentTasks == 4)
        #expect(configuration.callTimeoutSeconds == 10)
        #expect(configuration.taskTimeoutSeconds == 60)
        #expect(configuration.pollIntervalMilliseconds == 500)
        #expect(configuration.ownerTag == "hcp-eu")
    }

    @Test func plainHTTPAndInsecureAreAcceptedWithWarnings() throws {
        let http = try XCPNGProvisionerConfiguration(
            decoding: xcpngNode([("url", .scalar("http://127.0.0.1:8090"))] + minimal.dropFirst()))
        #expect(http.startupWarnings.count == 1)
        #expect(http.startupWarnings[0].contains("plain http"))
        let insecure = try XCPNGProvisionerConfiguration(decoding: xcpngNode(minimal + [("insecure", .scalar("true"))]))
        #expect(insecure.tls == .insecure)
        #expect(insecure.startupWarnings.contains { $0.contains("verification is OFF") })
    }

    @Test func aCAFileIsRead() throws {
        let configuration = try XCPNGProvisionerConfiguration(
            decoding: xcpngNode(minimal + [("tls", .mapping([("ca_file", .scalar("/etc/xcp/ca.pem"))]))]))
        #expect(configuration.tls == .caFile("/etc/xcp/ca.pem"))
    }

    @Test(
        arguments: [
            ([("url", Value.scalar("ftp://x"))], "provisioner.xcpng.url", "http:// or https://"),
            ([("ip_wait_timeout_s", .scalar("0"))], "provisioner.xcpng.ip_wait_timeout_s", "out of range"),
            ([("max_concurrent_tasks", .scalar("0"))], "provisioner.xcpng.max_concurrent_tasks", "out of range"),
            (
                [("password_env", .scalar("hunter2!"))], "provisioner.xcpng.password_env",
                "NAME of an environment variable"
            ),
            (
                [("tls", .mapping([("fingerprint_sha256", .scalar("abc"))]))],
                "provisioner.xcpng.tls.fingerprint_sha256", "64 hex"
            ),
            (
                [
                    (
                        "tls",
                        .mapping([
                            ("ca_file", .scalar("/ca.pem")),
                            ("fingerprint_sha256", .scalar(String(repeating: "a", count: 64))),
                        ])
                    )
                ],
                "provisioner.xcpng.tls.fingerprint_sha256", "not both"
            ),
            (
                [("insecure", .scalar("true")), ("tls", .mapping([("ca_file", .scalar("/ca.pem"))]))],
                "provisioner.xcpng.insecure", "cannot be combined"
            ),
            ([("templat", .scalar("x"))], "provisioner.xcpng.templat", "did you mean 'template'"),
            ([("tls", .mapping([("ca_fil", .scalar("x"))]))], "provisioner.xcpng.tls.ca_fil", "did you mean 'ca_file'"),
        ] as [([(String, Value)], String, String)])
    func badValuesAreLocated(pairs: [(String, Value)], path: String, message: String) throws {
        var merged = minimal.filter { key, _ in !pairs.contains { $0.0 == key } }
        merged += pairs
        let error = try #require(throws: ConfigError.self) {
            try XCPNGProvisionerConfiguration(decoding: xcpngNode(merged))
        }
        #expect(error.path == path)
        #expect(error.message.contains(message), "\(error.message)")
        #expect(error.mark != nil)
    }

    @Test func missingRequiredKeysAreNamed() throws {
        for key in ["url", "template", "network"] {
            let error = try #require(throws: ConfigError.self) {
                try XCPNGProvisionerConfiguration(decoding: xcpngNode(minimal.filter { $0.0 != key }))
            }
            #expect(error.message == "missing required key '\(key)'")
        }
        #expect(throws: ConfigError.self) { try XCPNGProvisionerConfiguration(decoding: nil) }
    }
}
