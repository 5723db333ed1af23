import Foundation
public import Logging
import PostgresNIO
public import ServiceLifecycle
import Synchronization

/// The ``Store`` for several Host replicas sharing one PostgreSQL database, through PostgresNIO.
///
/// Every cross-replica invariant is enforced by the database, never by a Swift lock: the
/// idempotency key and resource claims by unique indexes (`INSERT … ON CONFLICT DO NOTHING`, then
/// a read), the paid-VM cap by a transaction-scoped advisory lock on the user, `transition` by
/// `SELECT … FOR UPDATE`, and `claimWork` by `FOR UPDATE SKIP LOCKED`. Dates are stored as
/// `double precision` seconds since 1970, as in the SQLite store.
///
/// The connection pool (a `PostgresClient`, at most `maxConnections` connections) only serves
/// queries while ``run()`` runs: the store is a `Service`, and its owner runs it for the store's
/// lifetime with ``withRunningStore(_:_:)``. It is deliberately not in the HTTP server's
/// `ServiceGroup`, whose graceful shutdown would close the pool while in-flight provisioning
/// still has to commit.
public final class PostgresStore: Store, Service, CommitCounting {
    let client: PostgresClient
    /// What this instance committed (``CommitCounting``).
    let commitCounter = Mutex(StoreCommitCounts())
    let url: PostgresURL
    let logger: Logger

    /// How long a connection attempt may take.
    static let connectTimeout: Duration = .seconds(5)

    /// A store for the database at `url` (`postgres://user:password@host:5432/database?sslmode=prefer`).
    ///
    /// Nothing connects until the first call; ``migrate()`` opens its own connection first, so a
    /// wrong URL, an unreachable server or wrong credentials surface there as one-line errors.
    ///
    /// - Parameters:
    ///   - url: The connection URL; `sslmode` is `disable`, `prefer` (default), `require` or `verify-full`.
    ///   - maxConnections: The most connections the pool opens (1 or more).
    ///   - logger: Where the pool logs in the background.
    /// - Throws: ``StoreError`` when the URL does not parse.
    public convenience init(url: String, maxConnections: Int = 10, logger: Logger) throws {
        self.init(url: try PostgresURL(url), maxConnections: maxConnections, logger: logger)
    }

    init(url: PostgresURL, maxConnections: Int, logger: Logger) {
        self.url = url
        self.logger = logger
        self.client = PostgresClient(
            configuration: url.clientConfiguration(
                maxConnections: max(1, maxConnections), connectTimeout: Self.connectTimeout),
            backgroundLogger: logger)
    }

    /// Runs the connection pool until the task is cancelled.
    public func run() async throws {
        await client.run()
    }

    /// Checks the server answers and the credentials work, then applies the missing migrations
    /// under an advisory lock, on a connection of its own.
    ///
    /// - Throws: ``StoreError`` with a one-line message (unreachable, refused credentials, no
    ///   such database, or a failed migration).
    public func migrate() async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: try url.connectionConfiguration(connectTimeout: Self.connectTimeout), id: 0,
                logger: logger)
        } catch {
            throw StoreError.unavailable(PostgresErrorText.describe(error, url: url))
        }
        do {
            try await PostgresMigrations.apply(on: connection, logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error as? StoreError
                ?? StoreError.unavailable("migration failed: " + PostgresErrorText.describe(error, url: url))
        }
    }

    public func ping() async throws {
        _ = try await rows("SELECT 1")
    }

    /// Nothing to flush: every call has committed. The pool closes when ``run()`` is cancelled.
    public func close() async throws {}

    // MARK: - Query helpers

    /// Runs `body` in one transaction on one pooled connection, retrying it (up to five times)
    /// after a serialization failure or a deadlock.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await client.withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        let result = try await body(connection)
                        // Counted before a reader can see the rows; taken back if COMMIT fails.
                        countCommit()
                        do {
                            try await connection.query("COMMIT", logger: logger)
                        } catch {
                            countCommit(-1)
                            throw error
                        }
                        return result
                    } catch {
                        do {
                            try await connection.query("ROLLBACK", logger: logger)
                        } catch {
                            try? await connection.close()
                        }
                        throw error
                    }
                }
            } catch  where PostgresErrorText.isRetryable(error) && attempt < 5 {
                attempt += 1
            } catch {
                throw wrapped(error)
            }
        }
    }

    /// Runs one statement outside a transaction and collects its rows.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            // A statement outside a transaction that writes commits on its own.
            let writes = !query.sql.drop(while: \.isWhitespace).uppercased().hasPrefix("SELECT")
            if writes { countCommit() }
            do {
                return try await client.query(query, logger: logger).collect()
            } catch {
                if writes { countCommit(-1) }
                throw error
            }
        } catch {
            throw wrapped(error)
        }
    }

    public var commitCounts: StoreCommitCounts { commitCounter.withLock { $0 } }

    private func countCommit(_ count: Int = 1) {
        commitCounter.withLock {
            $0.transactions += count
            $0.commits += count
        }
    }

    /// A `PSQLError` as a ``StoreError`` with a readable message; other errors as they are.
    private func wrapped(_ error: any Error) -> any Error {
        guard error is PSQLError else { return error }
        return StoreError.unavailable(PostgresErrorText.describe(error, url: url))
    }
}

extension PostgresConnection {
    /// Runs one statement and collects its rows.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}
