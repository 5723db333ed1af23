import Foundation
import Host
import Logging
import PostgresNIO

/// The throwaway PostgreSQL server `scripts/with-postgres` starts for the test run, and one fresh
/// database per test on it, so PostgreSQL tests stay hermetic and run in parallel.
enum TestPostgres {
    /// The env var `scripts/with-postgres` exports: a superuser URL on the server's `postgres` database.
    static let urlVariable = "PROVISIONER_TEST_POSTGRES_URL"

    /// The server's URL.
    ///
    /// - Throws: ``TestPostgresError`` when the variable is unset: PostgreSQL tests fail, they
    ///   never skip silently.
    static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment[urlVariable], !url.isEmpty else {
            throw TestPostgresError(
                "\(urlVariable) is not set, so the PostgreSQL store tests have no server. Run the tests with "
                    + "scripts/test, or wrap the command: scripts/with-postgres swift test")
        }
        return url
    }

    /// `url` pointing at `database` instead.
    static func url(_ url: String, database: String) throws -> String {
        guard var components = URLComponents(string: url) else { throw TestPostgresError("bad URL in \(urlVariable)") }
        components.path = "/" + database
        guard let result = components.string else { throw TestPostgresError("cannot rewrite \(urlVariable)") }
        return result
    }

    /// A store on `url`, not yet running or migrated.
    static func store(url: String, maxConnections: Int = 4) throws -> PostgresStore {
        var logger = Logger(label: "test.postgres")
        logger.logLevel = .warning  // the pool logs every connection cancelled at the end of a test
        return try PostgresStore(url: url, maxConnections: maxConnections, logger: logger)
    }

    /// Creates an empty database, runs `body` with its URL, then drops it (also when `body` throws).
    static func withDatabase<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        let server = try serverURL()
        let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await execute("CREATE DATABASE \(name)", on: server)
        do {
            let result = try await body(try url(server, database: name))
            try await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: server)
            return result
        } catch {
            try? await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: server)
            throw error
        }
    }

    /// Runs one statement on its own connection to `url` (as the server's superuser).
    static func execute(_ sql: String, on url: String) async throws {
        try await withConnection(url) { try await $0.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
    }

    /// Runs `body` on a plain connection of its own to `url`, and closes it.
    static func withConnection<T: Sendable>(_ url: String, _ body: (PostgresConnection) async throws -> T)
        async throws -> T
    {
        let connection = try await connect(url)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Opens one plain connection to `url`.
    static func connect(_ url: String) async throws -> PostgresConnection {
        guard let components = URLComponents(string: url), let host = components.host,
            let user = components.user
        else { throw TestPostgresError("bad URL in \(urlVariable)") }
        let configuration = PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: String(components.path.dropFirst()), tls: .disable)
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
    }

    static let logger = Logger(label: "test.postgres.admin")
}

/// A PostgreSQL test could not get its server.
struct TestPostgresError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
