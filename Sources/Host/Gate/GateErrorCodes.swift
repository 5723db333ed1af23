public import ProvisionerAPI

/// The gate's refusals (DESIGN.md section 11), each its own code, in the order they are checked.
extension ProvisionerError.Code {
    /// The signature does not parse, is for another namespace or key type, or does not verify (403).
    public static let signatureInvalid = Self(rawValue: "signature_invalid")
    /// A valid signature by a key the allowed signers file does not list (403).
    public static let unknownSigner = Self(rawValue: "unknown_signer")
    /// The signed payload (or the pending op) expired (403).
    public static let opExpired = Self(rawValue: "op_expired")
    /// The signed nonce was used before, also before a restart or on another replica (409).
    public static let nonceReplayed = Self(rawValue: "nonce_replayed")
    /// The signer's roles do not allow an op of this class (403).
    public static let roleDenied = Self(rawValue: "role_denied")
    /// The signed op, target, params or nonce differ from the pending op's (403).
    public static let bindingMismatch = Self(rawValue: "binding_mismatch")
    /// An op this build does not run (400).
    public static let unknownOp = Self(rawValue: "unknown_op")
}

extension ProvisionerError {
    /// A gate refusal with `code` and a safe message.
    static func gate(_ code: Code, _ message: String) -> Self {
        Self(code: code, isRetryable: false, customerMessage: message)
    }
}
