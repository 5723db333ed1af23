public import ProvisionerAPI

extension ProvisionerError.Code {
    /// A host report's `host_id` is not the host its API key belongs to (403).
    public static let hostMismatch = Self(rawValue: "host_mismatch")
}
