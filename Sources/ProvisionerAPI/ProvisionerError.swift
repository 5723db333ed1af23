/// The one error type backends throw and the Host serves.
///
/// ``code`` is a stable machine value that callers switch on; ``customerMessage`` is safe to show
/// anyone; ``operatorDetail`` carries the backend's own words and is never served on a public
/// route. Two errors are equal when their codes are equal.
public struct ProvisionerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable error code. An open set: plugins add namespaced codes in an extension.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The wire value; never renamed once shipped.
        public let rawValue: String
        /// Creates a code from its wire value.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The wire value.
        public var description: String { rawValue }

        /// Every VM of the pool is taken.
        public static let poolExhausted = Code(rawValue: "pool_exhausted")
        /// The backend cannot prove it has room for another VM.
        public static let capacityUnavailable = Code(rawValue: "capacity_unavailable")
        /// The backend cannot be reached or is not working.
        public static let backendUnavailable = Code(rawValue: "backend_unavailable")
        /// The backend refused the operation.
        public static let backendRejected = Code(rawValue: "backend_rejected")
        /// The operation did not finish within its deadline.
        public static let timeout = Code(rawValue: "timeout")
        /// The thing asked for does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// The request is malformed or breaks a rule.
        public static let invalidRequest = Code(rawValue: "invalid_request")
        /// The customer has reached a limit.
        public static let quotaExceeded = Code(rawValue: "quota_exceeded")
        /// Provisioning failed and was rolled back.
        public static let provisionFailed = Code(rawValue: "provision_failed")
        /// The request conflicts with the current state.
        public static let conflict = Code(rawValue: "conflict")
        /// Something failed inside the service.
        public static let internalError = Code(rawValue: "internal_error")
    }

    /// The stable machine code.
    public var code: Code
    /// Whether trying the same operation again later may succeed.
    public var isRetryable: Bool
    /// Text safe to show anyone, including on the public status route.
    public var customerMessage: String
    /// The backend's own detail for operators: logs and service/admin routes only.
    public var operatorDetail: String?
    /// Where the error was made, `file:line`.
    public var location: String

    /// Creates an error.
    public init(
        code: Code,
        isRetryable: Bool,
        customerMessage: String,
        operatorDetail: String? = nil,
        fileID: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.isRetryable = isRetryable
        self.customerMessage = customerMessage
        self.operatorDetail = operatorDetail
        self.location = "\(fileID):\(line)"
    }

    /// Compares codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// The code and the operator detail, for logs.
    public var description: String {
        if let operatorDetail { return "\(code): \(operatorDetail) (\(location))" }
        return "\(code): \(customerMessage) (\(location))"
    }
}

extension ProvisionerError {
    /// Every VM of the pool is taken (retryable).
    public static func poolExhausted(_ detail: String? = nil, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(
            code: .poolExhausted, isRetryable: true,
            customerMessage: "No machine is free right now. Please try again shortly.",
            operatorDetail: detail, fileID: fileID, line: line)
    }

    /// The backend cannot prove it has room (retryable).
    public static func capacityUnavailable(_ detail: String? = nil, fileID: String = #fileID, line: Int = #line) -> Self
    {
        Self(
            code: .capacityUnavailable, isRetryable: true,
            customerMessage: "There is no capacity for a new machine right now. Please try again later.",
            operatorDetail: detail, fileID: fileID, line: line)
    }

    /// The backend cannot be reached (retryable).
    public static func backendUnavailable(_ detail: String? = nil, fileID: String = #fileID, line: Int = #line) -> Self
    {
        Self(
            code: .backendUnavailable, isRetryable: true,
            customerMessage: "The service is temporarily unavailable. Please try again later.",
            operatorDetail: detail, fileID: fileID, line: line)
    }

    /// The backend refused the operation (not retryable).
    public static func backendRejected(_ detail: String? = nil, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(
            code: .backendRejected, isRetryable: false,
            customerMessage: "The machine could not be set up.",
            operatorDetail: detail, fileID: fileID, line: line)
    }

    /// The operation ran past its deadline (retryable).
    public static func timeout(_ detail: String? = nil, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(
            code: .timeout, isRetryable: true,
            customerMessage: "The operation took too long. Please try again later.",
            operatorDetail: detail, fileID: fileID, line: line)
    }

    /// The request is malformed; `customerMessage` says what is wrong (not retryable).
    public static func invalidRequest(_ message: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .invalidRequest, isRetryable: false, customerMessage: message, fileID: fileID, line: line)
    }

    /// The thing asked for does not exist (not retryable).
    public static func notFound(_ message: String = "Not found.", fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .notFound, isRetryable: false, customerMessage: message, fileID: fileID, line: line)
    }

    /// Wraps any error as a ``ProvisionerError``, keeping one that already is.
    ///
    /// A foreign error becomes `backend_unavailable` (retryable) with its text as operator detail.
    public static func wrapping(_ error: any Error, fileID: String = #fileID, line: Int = #line) -> Self {
        if let error = error as? ProvisionerError { return error }
        return .backendUnavailable("\(type(of: error)): \(error)", fileID: fileID, line: line)
    }
}
