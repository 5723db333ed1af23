import Foundation

/// What an operator signs: `{"expires_at","instance","nonce","op","params","target"}` as
/// canonical JSON (keys sorted, no insignificant whitespace, UTF-8).
struct OpPayload: Codable, Sendable, Equatable {
    var op: String
    var target: String
    var params: [String: String]
    var nonce: String
    /// RFC 3339, UTC, whole seconds.
    var expiresAt: String
    var instance: String

    enum CodingKeys: String, CodingKey {
        case op, target, params, nonce, instance
        case expiresAt = "expires_at"
    }

    /// The canonical bytes.
    var canonical: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings and a string map cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The payload a signature was made over, or `nil` when the bytes are not one.
    init?(signed bytes: String) {
        guard let payload = try? JSONDecoder().decode(Self.self, from: Data(bytes.utf8)) else { return nil }
        self = payload
    }

    init(op: String, target: String, params: [String: String], nonce: String, expiresAt: Date, instance: String) {
        self.op = op
        self.target = target
        self.params = params
        self.nonce = nonce
        self.expiresAt = Self.format(expiresAt)
        self.instance = instance
    }

    var expiry: Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: expiresAt)
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }
}
