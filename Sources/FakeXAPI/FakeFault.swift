/// A fault injected into one XAPI method: an error, a delay, or both.
///
/// A fault on `VM.start` makes `Async.VM.start` tasks fail with that error (as a real failed
/// start does); a fault on `Async.VM.start` fails the call itself. An error code of
/// `SESSION_INVALID` also invalidates the caller's session, as if it had expired.
public struct FakeFault: Sendable, Hashable, Codable {
    /// The method, e.g. `VM.clone`.
    public var method: String
    /// The error to answer with, code first (`["SR_FULL", "10737418240", "0"]`); `nil` = no error.
    public var error: [String]?
    /// A delay before answering, in milliseconds.
    public var latencyMilliseconds: Int?
    /// How many calls it affects; `nil` = every call.
    public var times: Int?
    /// Answer in the shape XAPI uses for errors raised before dispatch: `"error": [CODE, …]` with `"id": 0`.
    public var preDispatch: Bool?

    enum CodingKeys: String, CodingKey {
        case method, error, times
        case latencyMilliseconds = "latency_ms"
        case preDispatch = "pre_dispatch"
    }

    /// Creates a fault.
    public init(
        method: String, error: [String]? = nil, latencyMilliseconds: Int? = nil, times: Int? = nil,
        preDispatch: Bool? = nil
    ) {
        self.method = method
        self.error = error
        self.latencyMilliseconds = latencyMilliseconds
        self.times = times
        self.preDispatch = preDispatch
    }
}
