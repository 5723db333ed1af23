import PostgresNIO

/// Turns PostgresNIO errors into one-line messages an operator can act on.
///
/// `PSQLError`'s own description hides everything on purpose (it may hold data); these messages
/// carry the server's message and SQLSTATE, or the network error, and never the password.
enum PostgresErrorText {
    /// The SQLSTATE of a server error, if `error` is one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Whether `error` is one a transaction should simply be retried after (serialization
    /// failure, deadlock).
    static func isRetryable(_ error: any Error) -> Bool {
        guard let state = sqlState(error) else { return false }
        return state == "40001" || state == "40P01"
    }

    /// A one-line description of `error` met while talking to the server at `url`.
    static func describe(_ error: any Error, url: PostgresURL) -> String {
        guard let error = error as? PSQLError else { return "PostgreSQL at \(url.endpoint): \(error)" }
        let who = "user '\(url.username)' on database '\(url.database)' at \(url.endpoint)"
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? "?"
            let message = error.serverInfo?[.message] ?? "no message"
            switch state {
            case "28P01", "28000":
                return "PostgreSQL refused the credentials of \(who): \(message) (SQLSTATE \(state))"
            case "3D000":
                return "PostgreSQL has no database '\(url.database)' at \(url.endpoint): \(message)"
            default:
                return "PostgreSQL error at \(url.endpoint): \(message) (SQLSTATE \(state))"
            }
        case .connectionError:
            let cause = error.underlying.map { "\($0)" } ?? "connection failed"
            return "cannot reach PostgreSQL at \(url.endpoint): \(cause)"
        case .authMechanismRequiresPassword:
            return "PostgreSQL asks \(who) for a password, and the URL has none"
        case .sslUnsupported:
            return "PostgreSQL at \(url.endpoint) does not offer TLS, and the URL says sslmode=\(url.tls.rawValue)"
        case .serverClosedConnection, .uncleanShutdown:
            return "PostgreSQL at \(url.endpoint) closed the connection"
        default:
            return "PostgreSQL at \(url.endpoint): \(error.code)"
                + (error.underlying.map { ": \($0)" } ?? "")
        }
    }
}
