public import Foundation

/// The signers of an OpenSSH `allowed_signers` file (`gate.allowed_signers_file`), the file
/// `ssh-keygen -Y verify -f` reads: one `principals [options] keytype base64-key [comment]` per
/// line; blank lines and `#` comments ignored.
///
/// Options honoured: `namespaces="a,b"`, `valid-after=`, `valid-before=`; a `cert-authority` line
/// is kept but never matches (certificates are out of scope). Keys other than `ssh-ed25519` are
/// kept and never match either: their signatures are refused before the lookup.
public struct AllowedSigners: Sendable, Equatable {
    /// One line of the file.
    public struct Signer: Sendable, Equatable {
        public var principals: [String]
        public var keyType: String
        /// The key's raw bytes (for `ssh-ed25519`, the 32-byte public key).
        public var key: [UInt8]
        public var namespaces: [String]?
        public var validAfter: Date?
        public var validBefore: Date?
        public var isCertificateAuthority: Bool
        /// The line it came from (1-based), for errors and audit details.
        public var line: Int
    }

    public var signers: [Signer]

    /// Parses the file's text.
    ///
    /// - Throws: ``GateConfigurationError`` naming the file and line of the first bad line.
    public init(text: String, source: String) throws {
        var signers: [Signer] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            signers.append(try Self.parse(line, number: index + 1, source: source))
        }
        self.signers = signers
    }

    /// Reads and parses the file at `path`.
    public init(contentsOf path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw GateConfigurationError(
                "cannot read gate.allowed_signers_file '\(path)': \(error.localizedDescription)")
        }
        try self.init(text: text, source: path)
    }

    /// The principals allowed to sign in `namespace` at `now` with the Ed25519 key `key`.
    public func principals(forEd25519 key: [UInt8], namespace: String, at now: Date) -> [String] {
        signers.filter { signer in
            signer.keyType == "ssh-ed25519" && signer.key == key && !signer.isCertificateAuthority
                && (signer.namespaces?.contains(namespace) ?? true)
                && (signer.validAfter.map { now >= $0 } ?? true) && (signer.validBefore.map { now < $0 } ?? true)
        }.flatMap(\.principals)
    }

    private static let keyTypePrefixes = ["ssh-", "ecdsa-", "sk-"]

    private static func parse(_ line: String, number: Int, source: String) throws -> Signer {
        func fail(_ message: String) -> GateConfigurationError {
            GateConfigurationError("\(source):\(number): \(message)")
        }
        var tokens = tokenize(line)
        guard tokens.count >= 3 else { throw fail("expected 'principals [options] keytype base64-key'") }
        let principals = tokens.removeFirst().split(separator: ",").map(String.init)
        var options: [String] = []
        if !keyTypePrefixes.contains(where: { tokens[0].hasPrefix($0) }) {
            options = splitOptions(tokens.removeFirst())
        }
        guard tokens.count >= 2 else { throw fail("expected a key type and a base64 key after the principals") }
        let keyType = tokens[0]
        guard let blob = Data(base64Encoded: tokens[1]) else { throw fail("the key is not valid base64") }
        var reader = SSHWireReader(Array(blob))
        guard let type = reader.string(), String(decoding: type, as: UTF8.self) == keyType else {
            throw fail("the key blob does not hold a '\(keyType)' key")
        }
        var key: [UInt8] = []
        if keyType == "ssh-ed25519" {
            guard let raw = reader.string(), raw.count == 32, reader.isAtEnd else {
                throw fail("an ssh-ed25519 key must hold 32 bytes")
            }
            key = raw
        }
        var signer = Signer(
            principals: principals, keyType: keyType, key: key, namespaces: nil, validAfter: nil, validBefore: nil,
            isCertificateAuthority: false, line: number)
        for option in options {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0].lowercased()
            let value = parts.count > 1 ? parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : nil
            switch (name, value) {
            case ("cert-authority", nil): signer.isCertificateAuthority = true
            case ("namespaces", let value?): signer.namespaces = value.split(separator: ",").map(String.init)
            case ("valid-after", let value?):
                guard let date = timestamp(value) else {
                    throw fail("valid-after '\(value)' is not YYYYMMDD[HHMM[SS]]")
                }
                signer.validAfter = date
            case ("valid-before", let value?):
                guard let date = timestamp(value) else {
                    throw fail("valid-before '\(value)' is not YYYYMMDD[HHMM[SS]]")
                }
                signer.validBefore = date
            default: throw fail("unknown option '\(option)' (ssh-keygen refuses it too)")
            }
        }
        return signer
    }

    /// Splits on whitespace outside double quotes.
    private static func tokenize(_ line: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        for character in line {
            if character == "\"" { quoted.toggle() }
            if character.isWhitespace && !quoted {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// Splits an option list on commas outside double quotes.
    private static func splitOptions(_ text: String) -> [String] {
        var options: [String] = []
        var current = ""
        var quoted = false
        for character in text {
            if character == "\"" { quoted.toggle() }
            if character == "," && !quoted {
                options.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { options.append(current) }
        return options
    }

    /// `YYYYMMDD[HHMM[SS]]`, UTC when it ends in `Z`, else UTC as well (this service runs in UTC).
    private static func timestamp(_ text: String) -> Date? {
        let digits = text.hasSuffix("Z") ? String(text.dropLast()) : text
        guard [8, 12, 14].contains(digits.count), digits.allSatisfy(\.isNumber) else { return nil }
        let padded = digits.padding(toLength: 14, withPad: "0", startingAt: 0)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss"
        return formatter.date(from: padded)
    }
}

/// A gate setting or file that cannot be used; the message names what and where.
public struct GateConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
