import Crypto
import Foundation

/// A host's identity as minted by `POST /admin/hosts`: the id `<label>-<8 hex>` and a random
/// 256-bit API key (64 hex characters), shown once and stored only as its SHA-256.
struct HostKey: Sendable {
    let hostID: String
    let apiKey: String

    /// Mints a fresh id and key for `label` from the system's secure random source.
    init(label: String) {
        var generator = SystemRandomNumberGenerator()
        let suffix = (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        hostID = "\(label)-\(Self.hex(suffix))"
        apiKey = Self.hex(key)
    }

    /// The SHA-256 of `apiKey`, lowercase hex: what the store keeps and looks keys up by.
    static func hash(_ apiKey: String) -> String {
        hex(Array(SHA256.hash(data: Data(apiKey.utf8))))
    }

    /// Whether `label` may start a host id: 1-40 lowercase letters, digits or '-', starting with a
    /// letter or digit.
    static func isValidLabel(_ label: String) -> Bool {
        label.range(of: #"^[a-z0-9][a-z0-9-]{0,39}$"#, options: .regularExpression) != nil
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
