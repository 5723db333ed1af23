extension StoreConfiguration {
    /// The store `serve` would open with this configuration, in words, for `check-config`:
    /// the SQLite file, or the PostgreSQL server the URL in ``urlEnv`` names (never its password).
    ///
    /// - Returns: The description and, when `serve` would refuse to start with `environment`, why.
    public func describe(environment: [String: String]) -> (description: String, problem: String?) {
        guard kind == "postgres" else { return ("sqlite \(path) (synchronous \(synchronous))", nil) }
        let pool = "at most \(maxConnections) connections"
        guard let text = environment[urlEnv], !text.isEmpty else {
            return (
                "postgres, URL from $\(urlEnv) (\(pool))",
                "\(urlEnv) is not set here; `serve` refuses to start without it (postgres://user:password@host:5432/database)"
            )
        }
        do {
            let url = try PostgresURL(text)
            return (
                "postgres \(url.username)@\(url.endpoint)/\(url.database) (sslmode \(url.tls.rawValue), \(pool), URL from $\(urlEnv))",
                nil
            )
        } catch {
            return ("postgres, URL from $\(urlEnv) (\(pool))", "\(urlEnv): \(error); `serve` refuses to start with it")
        }
    }
}
