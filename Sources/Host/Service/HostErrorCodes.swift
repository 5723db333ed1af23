public import ProvisionerAPI

extension ProvisionerError.Code {
    /// An idempotency key was reused with a different request body.
    public static let idempotencyConflict = Self(rawValue: "idempotency_conflict")
    /// The allocation is not in a state that allows the operation.
    public static let stateConflict = Self(rawValue: "state_conflict")
    /// No or malformed credentials.
    public static let unauthorized = Self(rawValue: "unauthorized")
    /// Credentials that are not allowed here.
    public static let forbidden = Self(rawValue: "forbidden")
    /// The request body is larger than `server.max_body_bytes`.
    public static let payloadTooLarge = Self(rawValue: "payload_too_large")
    /// The route exists but not with this method.
    public static let methodNotAllowed = Self(rawValue: "method_not_allowed")
    /// A signed dashboard link whose signature is right but whose time is up.
    public static let linkExpired = Self(rawValue: "link_expired")
    /// A transient state (`provisioning`, `releasing`, `cleaning`) outlived its configured deadline.
    public static let deadlineExceeded = Self(rawValue: "deadline_exceeded")
    /// A worker's write was refused: another attempt claimed the allocation since (a stale lease).
    public static let leaseLost = Self(rawValue: "lease_lost")
    /// A pool operation was asked of a Host whose active backend is not the pool (503).
    public static let poolNotActive = Self(rawValue: "pool_not_active")
}

extension ProvisionerError {
    /// A state conflict (409) with a safe message.
    static func stateConflict(_ message: String) -> Self {
        Self(code: .stateConflict, isRetryable: false, customerMessage: message)
    }
}
