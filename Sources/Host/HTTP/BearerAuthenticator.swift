import HTTPTypes
import Hummingbird
import ProvisionerAPI

/// Checks `Authorization: Bearer <token>` against one configured secret in constant time.
public struct BearerAuthenticator: Sendable {
    private let secret: [UInt8]

    /// Creates an authenticator for `secret`.
    public init(secret: String) {
        self.secret = Array(secret.utf8)
    }

    /// Throws `unauthorized` (401) when no bearer token is given, `forbidden` (403) when it is wrong.
    func authenticate(_ request: Request) throws {
        guard let header = request.headers[.authorization], header.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else {
            throw ProvisionerError(
                code: .unauthorized, isRetryable: false,
                customerMessage: "Missing credentials: send 'Authorization: Bearer <token>'.")
        }
        let token = Array(header.dropFirst(7).utf8)
        guard Self.constantTimeEquals(token, secret) else {
            throw ProvisionerError(
                code: .forbidden, isRetryable: false, customerMessage: "These credentials are not allowed here.")
        }
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt64(lhs.count ^ rhs.count)
        let length = max(lhs.count, rhs.count)
        for index in 0..<length {
            let a = index < lhs.count ? lhs[index] : 0
            let b = index < rhs.count ? rhs[index] : 0
            difference |= UInt64(a ^ b)
        }
        return difference == 0 && !rhs.isEmpty
    }
}
