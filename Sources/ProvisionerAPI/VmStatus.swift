/// What a backend currently reports about one VM.
public struct VmStatus: Sendable, Hashable {
    /// A VM's power state. An open set of stable wire values: backends never invent new ones,
    /// and anything the backend cannot map is ``unknown``, never a guess.
    public struct PowerState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable wire value.
        public let rawValue: String
        /// Creates a state from its wire value.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The VM is being created or booted.
        public static let starting = PowerState(rawValue: "starting")
        /// The VM is running.
        public static let running = PowerState(rawValue: "running")
        /// The VM exists but is halted, paused or suspended.
        public static let stopped = PowerState(rawValue: "stopped")
        /// The VM does not exist (released, destroyed or never created).
        public static let gone = PowerState(rawValue: "gone")
        /// The backend reported something that cannot be mapped.
        public static let unknown = PowerState(rawValue: "unknown")
        /// The wire value.
        public var description: String { rawValue }
    }

    /// The power state.
    public var powerState: PowerState
    /// Operator-only detail (the backend's own words), never shown on a public route.
    public var operatorDetail: String?

    /// Creates a status.
    public init(powerState: PowerState, operatorDetail: String? = nil) {
        self.powerState = powerState
        self.operatorDetail = operatorDetail
    }
}
