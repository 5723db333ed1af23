import Crypto

/// SHA-256 certificate fingerprints: parsing what operators write and hashing what servers present.
enum CertificateFingerprint {
    /// Lowercase hex without separators, or `nil` when `text` is not 32 bytes of hex (colons and
    /// spaces between bytes are allowed, as `openssl x509 -fingerprint` prints them).
    static func normalized(_ text: String) -> String? {
        let hex = text.filter { $0 != ":" && $0 != " " }.lowercased()
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit }) else { return nil }
        return hex
    }

    /// The SHA-256 of a DER-encoded certificate, as lowercase hex.
    static func sha256(der: [UInt8]) -> String {
        SHA256.hash(data: der).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
