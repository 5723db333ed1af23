import Foundation
import Testing

@testable import Host

@Suite(.timeLimit(.minutes(1)))
struct SSHSignatureTests {
    let message =
        #"{"expires_at":"2030-01-01T00:00:00Z","instance":"h","nonce":"n","op":"purge_orphan","params":{},"target":"t"}"#

    @Test func aSignatureMadeBySSHKeygenVerifiesAndOpenSSHAcceptsTheSameSignersFile() async throws {
        try await withTemporaryDirectory { directory in
            let keygen = SSHKeygen(directory: directory)
            let key = try keygen.key("alice")
            let file = try keygen.allowedSigners([
                "# operators", "", "alice@ops namespaces=\"provisioner-op\" \(try keygen.publicKey(key))",
            ])
            let armored = try keygen.sign(message, key: key)
            let signature = try SSHSignature(armored: armored, namespace: "provisioner-op")
            try signature.verify(message: Array(message.utf8))
            let signers = try AllowedSigners(contentsOf: file)
            #expect(
                signers.principals(forEd25519: signature.publicKey, namespace: "provisioner-op", at: Date()) == [
                    "alice@ops"
                ])
            // OpenSSH itself accepts the same file, signature and message.
            #expect(
                try keygen.verify(
                    message, signature: armored, allowedSigners: file, principal: "alice@ops",
                    namespace: "provisioner-op"))
            // And the fingerprint is the one `ssh-keygen -l` prints.
            let listed = try keygen.run(["-l", "-f", key + ".pub"]).output
            #expect(listed.contains(signature.fingerprint))
        }
    }

    @Test func tamperedMessageOtherNamespaceAndOtherKeyTypesAreRefusedEachForItsReason() async throws {
        try await withTemporaryDirectory { directory in
            let keygen = SSHKeygen(directory: directory)
            let key = try keygen.key("alice")
            let armored = try keygen.sign(message, key: key)
            let parsed = try SSHSignature(armored: armored, namespace: "provisioner-op")
            #expect(throws: SSHSignature.Failure.badSignature) {
                try parsed.verify(message: Array(message.replacingOccurrences(of: "\"t\"", with: "\"u\"").utf8))
            }
            let otherNamespace = try keygen.sign(message, key: key, namespace: "file")
            #expect(throws: SSHSignature.Failure.wrongNamespace) {
                try SSHSignature(armored: otherNamespace, namespace: "provisioner-op")
            }
            let ecdsa = try keygen.sign(message, key: try keygen.key("carol", type: "ecdsa"))
            #expect(throws: SSHSignature.Failure.unsupportedKey) {
                try SSHSignature(armored: ecdsa, namespace: "provisioner-op")
            }
            #expect(throws: SSHSignature.Failure.malformed) {
                try SSHSignature(
                    armored: "-----BEGIN SSH SIGNATURE-----\nnot base64!\n-----END SSH SIGNATURE-----",
                    namespace: "provisioner-op")
            }
            // Trailing bytes after the blob are refused: the blob must parse completely.
            let lines = armored.split(separator: "\n").map(String.init)
            let blob = Data(base64Encoded: lines.dropFirst().dropLast().joined())! + Data([0])
            let padded = "-----BEGIN SSH SIGNATURE-----\n\(blob.base64EncodedString())\n-----END SSH SIGNATURE-----"
            #expect(throws: SSHSignature.Failure.malformed) {
                try SSHSignature(armored: padded, namespace: "provisioner-op")
            }
        }
    }

    @Test func allowedSignersHonoursNamespacesAndValidityAndNamesTheBadLine() async throws {
        try await withTemporaryDirectory { directory in
            let keygen = SSHKeygen(directory: directory)
            let key = try keygen.publicKey(try keygen.key("bob"))
            let raw = Array(Data(base64Encoded: String(key.split(separator: " ")[1]))!.suffix(32))
            let signers = try AllowedSigners(
                text: """
                    bob@ops,bob@backup namespaces="file" \(key)
                    bob@late valid-after="20990101" \(key)
                    bob@any \(key)
                    """, source: "signers")
            #expect(signers.principals(forEd25519: raw, namespace: "provisioner-op", at: Date()) == ["bob@any"])
            #expect(
                signers.principals(forEd25519: raw, namespace: "file", at: Date()) == [
                    "bob@ops", "bob@backup", "bob@any",
                ])
            let error = #expect(throws: GateConfigurationError.self) {
                try AllowedSigners(text: "ok@ops \(key)\nbad@ops restrict \(key)\n", source: "signers")
            }
            #expect(error?.description.hasPrefix("signers:2:") == true)
        }
    }
}
