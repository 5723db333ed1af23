import Foundation
import Logging
import PostgresNIO
import Testing

@testable import Host

/// What only the PostgreSQL store does: migrations under an advisory lock with a version table,
/// and one-line errors for an unreachable server, refused credentials or a bad URL.
struct PostgresStoreTests {
    @Test(.timeLimit(.minutes(1)))
    func replicasMigratingTogetherApplyEachMigrationOnce() async throws {
        try await TestPostgres.withDatabase { url in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let store = try TestPostgres.store(url: url, maxConnections: 1)
                        try await withRunningStore(store) {
                            try await store.migrate()
                            try await store.ping()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let connection = try await TestPostgres.connect(url)
            let rows = try await connection.query(
                "SELECT version, name FROM schema_migrations ORDER BY version", logger: TestPostgres.logger
            ).collect()
            try await connection.close()
            let versions = try rows.map { try $0.decode((Int, String).self).0 }
            // Every migration, each once (the list grows; v4 is hosts, guests, host reports).
            #expect(versions == PostgresMigrations.all.map(\.version))
            #expect(versions.starts(with: [1, 2, 3, 4]))
            // And it still works after all that.
            try await withMigratedStore(try TestPostgres.store(url: url)) { store in
                try await StoreFixture.insert(StoreFixture.order(id: "vm-after"), into: store)
                #expect(try await store.allocation(id: "vm-after") != nil)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anUnreachableServerIsAOneLineError() async throws {
        // Port 1 on loopback: nothing listens, so the connection is refused at once.
        let store = try PostgresStore(
            url: "postgres://provisioner:secret@127.0.0.1:1/provisioner?sslmode=disable", logger: Logger(label: "t"))
        let message = try await migrationError(store)
        #expect(message.hasPrefix("cannot reach PostgreSQL at 127.0.0.1:1"))
        #expect(!message.contains("\n"))
        #expect(!message.contains("secret"))
    }

    @Test(.timeLimit(.minutes(1)))
    func wrongCredentialsAreAOneLineError() async throws {
        let server = try TestPostgres.serverURL()
        var components = try #require(URLComponents(string: server))
        components.password = "definitely-not-the-password"
        let store = try PostgresStore(url: try #require(components.string), logger: Logger(label: "t"))
        let message = try await migrationError(store)
        #expect(message.contains("PostgreSQL refused the credentials of user '\(components.user ?? "")'"))
        #expect(message.contains("SQLSTATE 28P01"))
        #expect(!message.contains("\n"))
        #expect(!message.contains("definitely-not-the-password"))
    }

    @Test(.timeLimit(.minutes(1)))
    func aMissingDatabaseIsNamed() async throws {
        let url = try TestPostgres.url(try TestPostgres.serverURL(), database: "no_such_database_here")
        let message = try await migrationError(try TestPostgres.store(url: url))
        #expect(message.contains("PostgreSQL has no database 'no_such_database_here'"))
    }

    @Test(arguments: [
        "mysql://user:pw@host/db", "postgres://host:5432/db", "postgres://u:p@host/db?sslmode=sometimes",
    ])
    func aBadURLIsRefusedWithoutConnecting(_ url: String) throws {
        #expect(throws: StoreError.self) { _ = try PostgresStore(url: url, logger: Logger(label: "t")) }
    }

    /// Runs `store.migrate()` expecting a ``StoreError`` and returns its message.
    private func migrationError(_ store: PostgresStore) async throws -> String {
        do {
            try await withRunningStore(store) { try await store.migrate() }
        } catch let error as StoreError {
            return error.message
        }
        Issue.record("migrate() did not fail")
        return ""
    }
}
