import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL server the bench was given (`PROVISIONER_TEST_POSTGRES_URL`, which
/// `scripts/with-postgres` exports), and the throwaway databases the bench makes on it.
struct BenchPostgres: Sendable {
    /// The URL as given: `postgres://user:password@127.0.0.1:PORT/postgres?sslmode=disable`.
    let url: String
    let host: String
    let port: Int
    let username: String
    let password: String?
    let database: String
    static let logger = Logger(label: "provisioner-bench.postgres")

    /// The server from the environment, or nil with the reason there is none.
    static func fromEnvironment() -> Result<BenchPostgres, BenchError> {
        let environment = ProcessInfo.processInfo.environment
        if let skipped = environment["PROVISIONER_BENCH_POSTGRES_SKIPPED"], !skipped.isEmpty {
            return .failure(BenchError(skipped))
        }
        guard let url = environment["PROVISIONER_TEST_POSTGRES_URL"], !url.isEmpty else {
            return .failure(
                BenchError(
                    "PROVISIONER_TEST_POSTGRES_URL is not set (scripts/bench starts a PostgreSQL with "
                        + "scripts/with-postgres; running provisioner-bench by hand, wrap it the same way)"))
        }
        do {
            return .success(try BenchPostgres(url: url))
        } catch let error as BenchError {
            return .failure(error)
        } catch {
            return .failure(BenchError("\(error)"))
        }
    }

    init(url: String) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, let user = components.user
        else {
            throw BenchError("PROVISIONER_TEST_POSTGRES_URL is not a postgres://user:password@host:port/db URL")
        }
        let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value
        guard sslmode == "disable" else {
            throw BenchError(
                "PROVISIONER_TEST_POSTGRES_URL has sslmode=\(sslmode ?? "(unset)"); the bench drives a local "
                    + "server over loopback and needs sslmode=disable")
        }
        self.url = url
        self.host = host
        port = components.port ?? 5432
        username = user
        password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
    }

    /// The same server, another database.
    func url(database name: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/" + name
        return components.string!
    }

    func connect(database name: String? = nil) async throws -> PostgresConnection {
        let configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: name ?? database,
            tls: .disable)
        do {
            return try await PostgresConnection.connect(
                configuration: configuration, id: Int.random(in: 1...Int(Int32.max)), logger: Self.logger)
        } catch {
            throw BenchError("cannot connect to PostgreSQL at \(host):\(port): \(String(reflecting: error))")
        }
    }

    /// Runs `body` on a connection of its own, closed afterwards.
    func with<T: Sendable>(
        database name: String? = nil, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await connect(database: name)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Creates an empty database named `name` (dropping one left from an earlier run).
    func createDatabase(_ name: String) async throws {
        try await with { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: Self.logger)
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Self.logger)
        }
    }

    func dropDatabase(_ name: String) async {
        _ = try? await with { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: Self.logger)
        }
    }

    /// The server's version and whether a commit waits for its fsync, as the server says.
    func settings() async throws -> (version: String, fsync: String, synchronousCommit: String) {
        try await with { connection in
            func show(_ name: String) async throws -> String {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: "SHOW \(name)"), logger: Self.logger)
                for try await (value) in rows.decode(String.self) { return value }
                throw BenchError("SHOW \(name) returned nothing")
            }
            return (try await show("server_version"), try await show("fsync"), try await show("synchronous_commit"))
        }
    }
}
