// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "provisioner",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ProvisionerAPI", targets: ["ProvisionerAPI"]),
        .library(name: "ProvisionerConformance", targets: ["ProvisionerConformance"]),
        .executable(name: "provisioner", targets: ["provisioner"]),
        .executable(name: "fake-xapi", targets: ["fake-xapi"]),
        .executable(name: "provisioner-bench", targets: ["provisioner-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // The stable contract: protocol, value types, errors, registry, config-node reader.
        .target(
            name: "ProvisionerAPI",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        // The conformance kit every backend runs.
        .target(
            name: "ProvisionerConformance",
            dependencies: ["ProvisionerAPI", .product(name: "Logging", package: "swift-log")]
        ),
        // The reference backend: nothing real is created.
        .target(
            name: "SimulatedProvisioner",
            dependencies: [
                "ProvisionerAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/Plugins/Simulated"
        ),
        // The pool backend: hands out pre-built VMs, one customer at a time.
        .target(
            name: "PoolProvisioner",
            dependencies: [
                "ProvisionerAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Plugins/Pool"
        ),
        // The XCP-ng backend: an XAPI JSON-RPC client and the provisioner built on it.
        .target(
            name: "XCPNGProvisioner",
            dependencies: [
                "ProvisionerAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/Plugins/XCPNG"
        ),
        // A stateful fake XAPI server (JSON-RPC and XML-RPC) for tests and local development.
        .target(
            name: "FakeXAPI",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "fake-xapi",
            dependencies: [
                "FakeXAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The service: config, store, provisioning, HTTP API.
        .target(
            name: "Host",
            dependencies: [
                "ProvisionerAPI",
                "SimulatedProvisioner",
                "PoolProvisioner",
                "XCPNGProvisioner",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // The server's read and idle timeouts install a channel handler (HTTP/1 child channel).
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // The public status read's own connections (SQLiteStatusReaders) use SQLite's C API.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            resources: [
                .embedInCode("Resources/provisioner.yaml"),
                .embedInCode("Resources/openapi.yaml"),
                .embedInCode("Resources/templates"),
            ]
        ),
        // The CLI commands, a library so tests can drive them in-process.
        .target(
            name: "ProvisionerCLI",
            dependencies: [
                "Host",
                "ProvisionerAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // The client subcommands (`vm`, `pool`, ...) talk to a server through AsyncHTTPClient.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "provisioner",
            dependencies: ["ProvisionerCLI"]
        ),

        // The benchmark harness: drives the release-built `provisioner` binary and measures the
        // machine's own limits (HTTP, durable SQLite commits) in the same run.
        .executableTarget(
            name: "provisioner-bench",
            dependencies: [
                "Host",
                "ProvisionerAPI",
                "PoolProvisioner",
                "SimulatedProvisioner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // The PostgreSQL phase: its databases, its commit ceiling, the check afterwards.
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Sources/Bench"
        ),

        .testTarget(
            name: "ProvisionerAPITests",
            dependencies: ["ProvisionerAPI", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "ProvisionerConformanceTests",
            dependencies: ["ProvisionerConformance", "ProvisionerAPI", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SimulatedProvisionerTests",
            dependencies: [
                "SimulatedProvisioner", "ProvisionerConformance", "ProvisionerAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PoolProvisionerTests",
            dependencies: [
                "PoolProvisioner", "ProvisionerConformance", "ProvisionerAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "XCPNGProvisionerTests",
            dependencies: [
                "XCPNGProvisioner", "FakeXAPI", "ProvisionerConformance", "ProvisionerAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "FakeXAPITests",
            dependencies: [
                "FakeXAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "HostTests",
            dependencies: [
                "Host", "ProvisionerAPI", "SimulatedProvisioner", "PoolProvisioner", "XCPNGProvisioner", "FakeXAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "ProvisionerCLITests",
            dependencies: [
                "ProvisionerCLI", "Host", "ProvisionerAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                // The client commands are tested against a real server on a loopback port.
                "PoolProvisioner", "SimulatedProvisioner",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)

// One set of Swift settings for every target (house style rule 2).
for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(contentsOf: [
        .swiftLanguageMode(.v6),
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
    ])
    target.swiftSettings = settings
}
