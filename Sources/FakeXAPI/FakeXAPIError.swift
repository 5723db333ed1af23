/// An XAPI error the fake answers with: `CODE` and its string parameters.
public struct FakeXAPIError: Error, Sendable, Hashable {
    /// The XAPI error code.
    public var code: String
    /// The parameters after the code.
    public var params: [String]

    /// Creates an error.
    public init(_ code: String, _ params: [String] = []) {
        self.code = code
        self.params = params
    }

    static func handleInvalid(_ xapiClass: String, _ ref: String) -> Self { Self("HANDLE_INVALID", [xapiClass, ref]) }

    static func badPowerState(_ vm: String, expected: String, actual: String) -> Self {
        Self("VM_BAD_POWER_STATE", [vm, expected, actual.lowercased()])
    }
}
