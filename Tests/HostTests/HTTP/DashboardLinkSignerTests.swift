import Foundation
import Testing

@testable import Host

struct DashboardLinkSignerTests {
    let signer = DashboardLinkSigner(secret: "a-dashboard-secret-of-some-length", ttlSeconds: 600)
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func signatureIsHMACSHA256OverTheDocumentedMessage() {
        // openssl: printf 'dashboard\nu1\n1700000600' | openssl dgst -sha256 -hmac a-dashboard-secret-of-some-length
        let link = signer.link(for: "u1", now: now)
        #expect(link.expiresAt == Date(timeIntervalSince1970: 1_700_000_600))
        let sig = signer.signature(userID: "u1", expires: "1700000600")
        #expect(sig.count == 64 && sig.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(sig == DashboardLinkSignerTests.expectedSignature)
        #expect(link.path == "/dashboard/u1?expires=1700000600&sig=\(sig)")
    }

    @Test func verdicts() {
        let sig = signer.signature(userID: "u1", expires: "1700000600")
        #expect(signer.verify(userID: "u1", expires: "1700000600", signature: sig, now: now) == .valid)
        #expect(signer.verify(userID: "u1", expires: "1700000600", signature: sig.uppercased(), now: now) == .valid)
        #expect(
            signer.verify(userID: "u1", expires: "1700000600", signature: sig, now: now.addingTimeInterval(600))
                == .expired)
        #expect(signer.verify(userID: "u2", expires: "1700000600", signature: sig, now: now) == .invalid)
        #expect(signer.verify(userID: "u1", expires: "1700000601", signature: sig, now: now) == .invalid)
        #expect(signer.verify(userID: "u1", expires: "+1700000600", signature: sig, now: now) == .invalid)
        #expect(signer.verify(userID: "u1", expires: nil, signature: sig, now: now) == .invalid)
        #expect(signer.verify(userID: "u1", expires: "1700000600", signature: nil, now: now) == .invalid)
        #expect(
            signer.verify(userID: "u1", expires: "1700000600", signature: String(sig.prefix(62)), now: now) == .invalid)
        #expect(
            signer.verify(userID: "u1", expires: "1700000600", signature: "zz" + sig.dropFirst(2), now: now) == .invalid
        )
        let other = DashboardLinkSigner(secret: "another-secret-of-some-length", ttlSeconds: 600)
        #expect(other.verify(userID: "u1", expires: "1700000600", signature: sig, now: now) == .invalid)
    }

    /// Computed independently with the openssl command above.
    static let expectedSignature = "d9272cea88d61a3970b789876ff718daea15cf38470df970eecf0b8cdf3dc401"

    @Test func randomSecretsAreLongAndDistinct() {
        let a = DashboardLinkSigner.randomSecret()
        #expect(a.count == 64)
        #expect(a != DashboardLinkSigner.randomSecret())
    }
}
