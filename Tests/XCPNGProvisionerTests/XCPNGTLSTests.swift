import FakeXAPI
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOSSL
import ProvisionerAPI
import Testing
import XCPNGProvisioner

/// Certificate trust against the fake served over HTTPS with a self-signed certificate.
@Suite(.timeLimit(.minutes(1)))
struct XCPNGTLSTests {
    /// Serves a fake over TLS on a loopback port chosen by the OS while `body` runs.
    private func withTLSFake(_ body: (Int) async throws -> Void) async throws {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(TestCertificate.certificatePEM.utf8)).map {
                .certificate($0)
            },
            privateKey: .privateKey(
                try NIOSSLPrivateKey(bytes: Array(TestCertificate.privateKeyPEM.utf8), format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: FakeXAPI(options: .fast).makeRouter(), server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port)
        }
    }

    /// A backend with time for debug-build TLS handshakes on a loaded machine; the refusal test
    /// waits out AsyncHTTPClient's connection retries, which end at the call deadline.
    private func backend(
        port: Int, trust: XCPNGProvisionerConfiguration.TLSTrust, callTimeoutSeconds: Double = 10
    ) -> XCPNGProvisioner {
        var configuration = testConfiguration(port: port)
        configuration.callTimeoutSeconds = callTimeoutSeconds
        configuration.url.scheme = "https"
        configuration.tls = trust
        return XCPNGProvisioner(configuration: configuration, username: "root", password: "secret")
    }

    private var pin: String { TestCertificate.sha256.replacingOccurrences(of: ":", with: "").lowercased() }

    @Test func aPinnedFingerprintIsTrusted() async throws {
        try await withTLSFake { port in
            let backend = backend(port: port, trust: .pinned([String(repeating: "0", count: 64), pin]))
            try await backend.probe(logger: quietLogger)
            let vm = try await backend.allocate(request("tls-1"), logger: quietLogger)
            try await backend.release(vm, logger: quietLogger)
            await backend.shutdown()
        }
    }

    @Test func anotherFingerprintIsRefused() async throws {
        try await withTLSFake { port in
            let backend = backend(port: port, trust: .pinned([String(repeating: "ab", count: 32)]))
            let error = try await #require(throws: ProvisionerError.self) {
                try await backend.probe(logger: quietLogger)
            }
            #expect(error.code == .backendUnavailable)
            #expect(error.operatorDetail?.contains(pin) == true, "the detail names the presented fingerprint")
        }
    }

    @Test func theSystemTrustStoreRefusesASelfSignedCertificate() async throws {
        try await withTLSFake { port in
            let error = try await #require(throws: ProvisionerError.self) {
                try await backend(port: port, trust: .system, callTimeoutSeconds: 4).probe(logger: quietLogger)
            }
            #expect(error.code == .backendUnavailable)
            #expect(error.operatorDetail?.lowercased().contains("certificate") == true, "\(error)")
        }
    }

    @Test func aCAFileIsTrusted() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xcpng-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let caFile = directory.appendingPathComponent("ca.pem")
        try Data(TestCertificate.certificatePEM.utf8).write(to: caFile)
        try await withTLSFake { port in
            let backend = backend(port: port, trust: .caFile(caFile.path))
            try await backend.probe(logger: quietLogger)
            await backend.shutdown()
        }
    }

    @Test func insecureSkipsVerification() async throws {
        try await withTLSFake { port in
            let backend = backend(port: port, trust: .insecure)
            try await backend.probe(logger: quietLogger)
            await backend.shutdown()
        }
    }
}
