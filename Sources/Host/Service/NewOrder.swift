import Foundation
import ProvisionerAPI

/// A validated order for one VM, as the onboarding service asked for it.
public struct NewOrder: Sendable, Codable, Equatable {
    public var userID: String
    public var plan: String
    public var hostname: String?
    public var sshKeys: [String]
    public var openPorts: [Int]
    public var metadata: [String: String]
    /// The user's id in the code forge, stored on the user record; `nil` keeps the stored one.
    public var forgeID: String?

    public init(
        userID: String, plan: String, hostname: String? = nil, sshKeys: [String] = [], openPorts: [Int] = [],
        metadata: [String: String] = [:], forgeID: String? = nil
    ) {
        self.userID = userID
        self.plan = plan
        self.hostname = hostname
        self.sshKeys = sshKeys
        self.openPorts = openPorts
        self.metadata = metadata
        self.forgeID = forgeID
    }

    /// A stable fingerprint of the request, to tell a replay from a different request under the
    /// same idempotency key. A `nil` ``forgeID`` is left out, so orders without one keep the
    /// fingerprint they had before the field existed.
    var fingerprint: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Checks every field against policy; the error names the field.
    func validate(plans: [String: PlanSpec], limits: LimitsConfiguration) throws {
        guard Self.isValidUserID(userID) else { throw ProvisionerError.invalidRequest(Self.userIDRule) }
        guard plans[plan] != nil else {
            throw ProvisionerError.invalidRequest(
                "plan '\(plan)' does not exist; available plans: \(plans.keys.sorted().joined(separator: ", ")).")
        }
        if let hostname {
            let label = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
            let pattern = "^\(label)(\\.\(label))*$"
            guard hostname.utf8.count <= 253,
                hostname.lowercased().range(of: pattern, options: .regularExpression) != nil
            else {
                throw ProvisionerError.invalidRequest("hostname must be a valid DNS name (RFC 1123).")
            }
        }
        guard sshKeys.count <= 32 else {
            throw ProvisionerError.invalidRequest("ssh_keys may hold at most 32 keys.")
        }
        // Split by code point, as the document's pattern is (a space followed by a combining mark is
        // still a space here); the length limit counts UTF-8 bytes, as every field limit does.
        for (index, key) in sshKeys.enumerated() {
            let parts = key.unicodeScalars.split(separator: " ")
            guard parts.count >= 2,
                ["ssh-", "ecdsa-", "sk-"].contains(where: { parts[0].starts(with: $0.unicodeScalars) }),
                key.utf8.count <= 16_384,
                !key.unicodeScalars.contains("\n")
            else {
                throw ProvisionerError.invalidRequest(
                    "ssh_keys[\(index)] is not an OpenSSH public key ('ssh-ed25519 AAAA...').")
            }
        }
        guard openPorts.count <= 64 else {
            throw ProvisionerError.invalidRequest("open_ports may hold at most 64 ports.")
        }
        for (index, port) in openPorts.enumerated() {
            guard (1...65_535).contains(port) else {
                throw ProvisionerError.invalidRequest("open_ports[\(index)] = \(port) is not a port (1-65535).")
            }
            guard !limits.blockedPorts.contains(port) else {
                throw ProvisionerError.invalidRequest("open_ports[\(index)] = \(port) is blocked by policy.")
            }
        }
        if let forgeID, !Self.isValidForgeID(forgeID) {
            throw ProvisionerError.invalidRequest("forge_id must be 1-200 bytes (UTF-8) of printable characters.")
        }
        guard metadata.count <= 64, metadata.allSatisfy({ $0.key.utf8.count <= 128 && $0.value.utf8.count <= 1024 })
        else {
            throw ProvisionerError.invalidRequest(
                "metadata may hold at most 64 entries, keys up to 128 and values up to 1024 bytes (UTF-8).")
        }
    }

    /// What a user id must look like, as a 400 message.
    static let userIDRule = "user_id must be 1-128 characters of letters, digits, '.', '_', '@', ':' or '-'."

    /// Whether `userID` is 1-128 letters, digits, `.`, `_`, `@`, `:` or `-`, starting with a letter or digit.
    static func isValidUserID(_ userID: String) -> Bool {
        userID.range(of: #"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}\z"#, options: .regularExpression) != nil
    }

    /// Whether `forgeID` is 1-200 bytes (UTF-8) with no control character, line or paragraph
    /// separator, soft hyphen, zero-width or bidirectional-control character (the characters the
    /// `forge_id` pattern of openapi.yaml refuses).
    static func isValidForgeID(_ forgeID: String) -> Bool {
        guard (1...200).contains(forgeID.utf8.count) else { return false }
        let refused: [ClosedRange<UInt32>] = [
            0x00...0x1F, 0x7F...0x9F, 0xAD...0xAD, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064,
            0x2066...0x206F, 0xFEFF...0xFEFF,
        ]
        return forgeID.unicodeScalars.allSatisfy { scalar in !refused.contains { $0.contains(scalar.value) } }
    }
}
