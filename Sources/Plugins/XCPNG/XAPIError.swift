/// An error XAPI answered with: a code such as `SESSION_INVALID` and its string parameters.
public struct XAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The XAPI error code (`ErrorDescription[0]`, or JSON-RPC `error.message`).
    public var code: String
    /// The parameters after the code.
    public var params: [String]

    /// Creates an error.
    public init(code: String, params: [String] = []) {
        self.code = code
        self.params = params
    }

    /// `CODE [p1, p2]`, for operator logs.
    public var description: String {
        params.isEmpty ? code : "\(code) [\(params.joined(separator: ", "))]"
    }

    /// Whether the object a call named does not exist (`HANDLE_INVALID`, `UUID_INVALID`).
    public var isMissingObject: Bool { code == "HANDLE_INVALID" || code == "UUID_INVALID" }
}
