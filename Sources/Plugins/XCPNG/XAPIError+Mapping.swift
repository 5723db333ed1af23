public import ProvisionerAPI

extension XAPIError {
    /// Codes that say the pool is briefly busy or a host is coming back: retried with backoff.
    static let transientCodes: Set<String> = [
        "OTHER_OPERATION_IN_PROGRESS", "TOO_MANY_PENDING_TASKS", "HOST_OFFLINE", "HOST_STILL_BOOTING",
        "CANNOT_CONTACT_HOST",
    ]

    /// Codes that say the pool has no room for the VM.
    static let capacityCodes: Set<String> = [
        "SR_FULL", "NO_HOSTS_AVAILABLE", "HOST_NOT_ENOUGH_FREE_MEMORY", "VM_REQUIRES_SR", "VM_REQUIRES_NETWORK",
    ]

    /// Whether calling again after a pause may succeed.
    public var isTransient: Bool { Self.transientCodes.contains(code) }

    /// The ``ProvisionerError`` this XAPI error stands for; the XAPI text goes into the operator
    /// detail only, prefixed with `context` (what was being done).
    ///
    /// - `OTHER_OPERATION_IN_PROGRESS`, `TOO_MANY_PENDING_TASKS`, `HOST_OFFLINE`,
    ///   `HOST_STILL_BOOTING`, `CANNOT_CONTACT_HOST` → `backend_unavailable`, retryable.
    /// - `SR_FULL`, `NO_HOSTS_AVAILABLE`, `HOST_NOT_ENOUGH_FREE_MEMORY`, `VM_REQUIRES_SR`,
    ///   `VM_REQUIRES_NETWORK`, and `SR_BACKEND_FAILURE_44` (no space) → `capacity_unavailable`, retryable.
    /// - `SESSION_AUTHENTICATION_FAILED` → `backend_unavailable`, not retryable, telling the
    ///   operator to check the credentials.
    /// - `HANDLE_INVALID`, `UUID_INVALID` → `not_found`.
    /// - `TASK_CANCELLED` → `timeout`.
    /// - anything else → `backend_rejected`, not retryable.
    public func provisionerError(context: String, fileID: String = #fileID, line: Int = #line) -> ProvisionerError {
        let detail = "\(context): XAPI \(description)"
        if isTransient {
            return .backendUnavailable(detail, fileID: fileID, line: line)
        }
        if Self.capacityCodes.contains(code) || code == "SR_BACKEND_FAILURE_44" {
            return .capacityUnavailable(detail, fileID: fileID, line: line)
        }
        switch code {
        case "SESSION_AUTHENTICATION_FAILED":
            var error = ProvisionerError.backendUnavailable(
                "\(detail) — the XCP-ng credentials were refused; check the user and password env vars",
                fileID: fileID, line: line)
            error.isRetryable = false
            return error
        case "SESSION_INVALID", "HOST_IS_SLAVE":
            return .backendUnavailable(detail, fileID: fileID, line: line)
        case "HANDLE_INVALID", "UUID_INVALID":
            return ProvisionerError(
                code: .notFound, isRetryable: false, customerMessage: "The machine does not exist.",
                operatorDetail: detail, fileID: fileID, line: line)
        case "TASK_CANCELLED":
            return .timeout(detail, fileID: fileID, line: line)
        default:
            return .backendRejected(detail, fileID: fileID, line: line)
        }
    }
}
