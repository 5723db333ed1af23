import Crypto
import Foundation

/// A detached OpenSSH signature (SSHSIG, the format `ssh-keygen -Y sign` writes), parsed and
/// verified with swift-crypto. Only Ed25519 keys are accepted (see `shared/SSHSIG.md`).
struct SSHSignature: Sendable {
    /// Why a signature was refused; every reason maps to `signature_invalid`, the reason goes to
    /// the audit detail.
    enum Failure: String, Error, Sendable {
        /// The armor or the blob does not parse (or has trailing bytes).
        case malformed
        /// Not `SSHSIG` version 1.
        case badMagic = "bad_magic"
        /// Signed for another namespace.
        case wrongNamespace = "wrong_namespace"
        /// A key or signature that is not `ssh-ed25519` (RSA, ECDSA, certificates, `sk-`).
        case unsupportedKey = "unsupported_key"
        /// A hash other than `sha512` or `sha256`.
        case unsupportedHash = "unsupported_hash"
        /// The signature does not verify over the message (a tampered payload, another message).
        case badSignature = "bad_signature"
    }

    /// The signer's raw 32-byte Ed25519 public key.
    let publicKey: [UInt8]
    let namespace: String
    let hashAlgorithm: String
    let signature: [UInt8]

    /// Parses the armored text (steps 1 to 4 of the verification order, the namespace included).
    ///
    /// - Throws: ``Failure``.
    init(armored: String, namespace expected: String) throws(Failure) {
        let lines = armored.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: "-----BEGIN SSH SIGNATURE-----"),
            let end = lines.firstIndex(of: "-----END SSH SIGNATURE-----"), begin < end,
            lines[..<begin].allSatisfy(\.isEmpty), lines[(end + 1)...].allSatisfy(\.isEmpty)
        else { throw .malformed }
        let base64 = lines[(begin + 1)..<end].joined()
        guard let blob = Data(base64Encoded: base64) else { throw .malformed }
        var reader = SSHWireReader(Array(blob))
        guard reader.raw(6) == Array("SSHSIG".utf8), reader.uint32() == 1 else { throw .badMagic }
        guard let keyBlob = reader.string(), let namespace = reader.string(), reader.string() != nil,
            let hash = reader.string(), let signatureBlob = reader.string(), reader.isAtEnd
        else { throw .malformed }
        guard String(decoding: namespace, as: UTF8.self) == expected else { throw .wrongNamespace }
        var key = SSHWireReader(keyBlob)
        guard key.string() == Array("ssh-ed25519".utf8), let raw = key.string(), raw.count == 32, key.isAtEnd else {
            throw .unsupportedKey
        }
        var sig = SSHWireReader(signatureBlob)
        guard sig.string() == Array("ssh-ed25519".utf8), let rawSignature = sig.string(), rawSignature.count == 64,
            sig.isAtEnd
        else { throw .unsupportedKey }
        let hashName = String(decoding: hash, as: UTF8.self)
        guard ["sha512", "sha256"].contains(hashName) else { throw .unsupportedHash }
        self.publicKey = raw
        self.namespace = expected
        self.hashAlgorithm = hashName
        self.signature = rawSignature
    }

    /// Verifies the signature over `message` with the key it carries (step 5).
    ///
    /// - Throws: ``Failure/badSignature``.
    func verify(message: [UInt8]) throws(Failure) {
        let digest: [UInt8] =
            hashAlgorithm == "sha512" ? Array(SHA512.hash(data: message)) : Array(SHA256.hash(data: message))
        var signed = SSHWireWriter()
        signed.raw(Array("SSHSIG".utf8))
        signed.string(namespace)
        signed.string([UInt8]())
        signed.string(hashAlgorithm)
        signed.string(digest)
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey),
            key.isValidSignature(signature, for: signed.bytes)
        else { throw .badSignature }
    }

    /// The key's OpenSSH fingerprint, `SHA256:<unpadded base64>`, as `ssh-keygen -l` prints it.
    var fingerprint: String { Self.fingerprint(ed25519: publicKey) }

    static func fingerprint(ed25519 key: [UInt8]) -> String {
        var blob = SSHWireWriter()
        blob.string("ssh-ed25519")
        blob.string(key)
        let digest = Data(SHA256.hash(data: blob.bytes)).base64EncodedString()
        return "SHA256:" + digest.trimmingCharacters(in: CharacterSet(charactersIn: "="))
    }
}
