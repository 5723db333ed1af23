import NIOCore
import NIOPosix
import NIOSSL
import ProvisionerAPI

/// Fetches the certificate a TLS server presents and checks its SHA-256 against pinned values.
///
/// AsyncHTTPClient cannot take a custom verification callback, so pinning happens in two steps:
/// this probe handshakes once with a callback that accepts only a pinned certificate, and the
/// XAPI requests then trust exactly that certificate (and nothing else) as their only root. A
/// server that later presents another certificate fails verification.
enum PinnedCertificateProbe {
    struct Mismatch: Error, CustomStringConvertible {
        var presented: String
        var description: String { "the server presented a certificate with SHA-256 \(presented), which is not pinned" }
    }

    /// The server's leaf certificate, once its fingerprint matched one of `pins`.
    ///
    /// - Throws: ``ProvisionerError`` `backend_unavailable` on mismatch or connection failure.
    static func fetchPinnedCertificate(
        endpoint: XAPIEndpoint, pins: [String], timeout: Duration
    ) async throws -> NIOSSLCertificate {
        var probeConfiguration = TLSConfiguration.makeClientConfiguration()
        probeConfiguration.certificateVerification = .noHostnameVerification  // the callback decides
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: NIOSSLCertificate.self)
        do {
            let context = try NIOSSLContext(configuration: probeConfiguration)
            let serverName =
                endpoint.host.contains(":") || endpoint.host.allSatisfy({ $0.isNumber || $0 == "." })
                ? nil : endpoint.host
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(timeout.components.seconds * 1_000_000_000)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = try NIOSSLClientHandler(
                            context: context, serverHostname: serverName,
                            customVerificationCallback: { certificates, verification in
                                guard let leaf = certificates.first, let der = try? leaf.toDERBytes() else {
                                    verification.succeed(.failed)
                                    promise.fail(Mismatch(presented: "(none)"))
                                    return
                                }
                                let fingerprint = CertificateFingerprint.sha256(der: der)
                                if pins.contains(fingerprint) {
                                    verification.succeed(.certificateVerified)
                                    promise.succeed(leaf)
                                } else {
                                    verification.succeed(.failed)
                                    promise.fail(Mismatch(presented: fingerprint))
                                }
                            })
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port)
                .get()
            channel.closeFuture.whenComplete { _ in
                promise.fail(
                    ProvisionerError.backendUnavailable("TLS probe of \(endpoint) closed before a certificate"))
            }
            defer { channel.close(promise: nil) }
            return try await withDeadline(timeout, what: "TLS probe of \(endpoint)") {
                try await promise.futureResult.get()
            }
        } catch let error as ProvisionerError {
            promise.fail(error)
            throw error
        } catch {
            promise.fail(error)
            throw ProvisionerError.backendUnavailable("TLS certificate pinning for \(endpoint) failed: \(error)")
        }
    }
}
