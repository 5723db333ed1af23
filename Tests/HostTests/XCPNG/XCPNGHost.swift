import FakeXAPI
import Foundation
import HTTPTypes
import Host
import HummingbirdTesting
import Logging
import ProvisionerAPI
import XCPNGProvisioner

/// A live Host (worker, HTTP server, background probe) over an XCP-ng backend on a `fake-xapi`.
enum XCPNGHost {
    static let quiet = Logger(label: "test.xcpng-host", factory: { _ in SwiftLogNoOpLogHandler() })

    static func run<T: Sendable>(
        fake options: FakeXAPIOptions = FakeXAPIOptions(
            guestMetricsDelay: .milliseconds(30), startDuration: .milliseconds(20)),
        backend configure: @escaping @Sendable (inout XCPNGProvisionerConfiguration) -> Void = { _ in },
        host configureHost: @escaping @Sendable (inout HostConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (TestHost, any TestClientProtocol, FakeXAPI, XCPNGProvisioner) async throws -> T
    ) async throws -> T {
        let fake = FakeXAPI(options: options)
        return try await FakeXAPIServer.withRunning(fake) { port in
            var configuration = XCPNGProvisionerConfiguration(
                url: XAPIEndpoint(scheme: "http", host: "127.0.0.1", port: port), template: "debian-12-cloud",
                network: "pool-net", ipWaitTimeoutSeconds: 10, callTimeoutSeconds: 5, taskTimeoutSeconds: 10,
                pollIntervalMilliseconds: 5)
            configure(&configuration)
            let backend = XCPNGProvisioner(configuration: configuration, username: "root", password: "secret")
            do {
                let result = try await TestHost.run(
                    .live,
                    configure: { host in
                        host.launchProof.dnsAAAAEnabled = false
                        host.launchProof.sshSmokeEnabled = false
                        configureHost(&host)
                    },
                    backendOverStore: { _ in backend }
                ) { host, client in try await body(host, client, fake, backend) }
                await backend.shutdown()
                return result
            } catch {
                await backend.shutdown()
                throw error
            }
        }
    }
}
