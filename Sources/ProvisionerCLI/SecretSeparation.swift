/// The service token, the admin secret and the dashboard secret are three credentials for three
/// callers: if two were equal, the billing service would be an admin (or could forge dashboard
/// links). `serve` refuses to start then.
enum SecretSeparation {
    /// - Parameter secrets: Each secret with the env var it came from.
    /// - Throws: ``StartupError`` naming the two env vars that hold the same value.
    static func check(_ secrets: [(env: String, value: String)]) throws {
        for (index, first) in secrets.enumerated() {
            for second in secrets[(index + 1)...] where first.value == second.value {
                throw StartupError(
                    message: "\(first.env) and \(second.env) hold the same value; the service token, the admin "
                        + "secret and the dashboard secret must all differ (set each to its own long random value)",
                    exitCode: exitCodeBadConfig)
            }
        }
    }
}
