import Crypto
import Foundation

/// Signs and checks the expiring links to a user's dashboard.
///
/// A link is `/dashboard/{user}?expires=<unix seconds>&sig=<hex>`, where `sig` is HMAC-SHA256 under
/// the dashboard secret over `"dashboard\n{user}\n{expires}"`. Anyone holding the link sees that
/// user's services until it expires, so links are short-lived and never logged.
public struct DashboardLinkSigner: Sendable {
    /// What a presented link is worth.
    enum Verdict: Equatable {
        case valid
        /// Missing, malformed or wrongly signed.
        case invalid
        /// Correctly signed, but past its expiry.
        case expired
    }

    /// The key's bytes (`SymmetricKey` is not `Sendable`; one is made per use).
    private let secret: [UInt8]
    /// How long an issued link works.
    let ttlSeconds: Int

    /// Creates a signer.
    ///
    /// - Parameters:
    ///   - secret: The signing key (`server.dashboard_secret_env`).
    ///   - ttlSeconds: How long an issued link works (`server.dashboard_link_ttl_s`).
    public init(secret: String, ttlSeconds: Int) {
        self.secret = Array(secret.utf8)
        self.ttlSeconds = ttlSeconds
    }

    /// A link for `userID` that works until `now` plus the TTL.
    ///
    /// - Returns: The path with its query, and when it expires.
    func link(for userID: String, now: Date) -> (path: String, expiresAt: Date) {
        let expires = Int64(now.timeIntervalSince1970.rounded(.down)) + Int64(ttlSeconds)
        let path = "/dashboard/\(userID)?expires=\(expires)&sig=\(signature(userID: userID, expires: String(expires)))"
        return (path, Date(timeIntervalSince1970: TimeInterval(expires)))
    }

    /// The lowercase hex HMAC of one link.
    func signature(userID: String, expires: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Self.message(userID: userID, expires: expires), using: SymmetricKey(data: secret))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Checks a presented link; the signature is compared in constant time, before the expiry.
    func verify(userID: String, expires: String?, signature: String?, now: Date) -> Verdict {
        guard let expires, (1...19).contains(expires.count), expires.allSatisfy({ $0.isASCII && $0.isNumber }),
            let expiresAt = Int64(expires), let signature, let mac = Self.bytes(hex: signature), mac.count == 32
        else { return .invalid }
        guard
            HMAC<SHA256>.isValidAuthenticationCode(
                mac, authenticating: Self.message(userID: userID, expires: expires), using: SymmetricKey(data: secret))
        else { return .invalid }
        return Double(expiresAt) > now.timeIntervalSince1970 ? .valid : .expired
    }

    /// A random 256-bit key as hex, for a process started without a configured secret.
    public static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    private static func message(userID: String, expires: String) -> [UInt8] {
        Array("dashboard\n\(userID)\n\(expires)".utf8)
    }

    /// Decodes hex (either case); `nil` for anything else.
    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0, digits.count <= 128 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
