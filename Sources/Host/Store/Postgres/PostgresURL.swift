import Foundation
import NIOSSL
import PostgresNIO

/// A parsed `postgres://user:password@host:port/database?sslmode=…` connection URL.
///
/// `sslmode` follows libpq: `disable`, `prefer` (the default: TLS when the server offers it,
/// unverified), `require` (TLS, unverified) and `verify-full` (TLS with certificate and host
/// verification). A `host` query parameter that starts with `/` names a unix-socket directory.
struct PostgresURL: Sendable, Equatable {
    /// How the connection is encrypted.
    enum TLSMode: String, Sendable, CaseIterable {
        case disable
        case prefer
        case require
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    /// The unix-socket directory, when connecting through one.
    var socketDirectory: String?
    var username: String
    var password: String?
    var database: String
    var tls: TLSMode

    /// Parses `text`.
    ///
    /// - Throws: ``StoreError`` naming what is wrong, without echoing the password.
    init(_ text: String) throws {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else {
            throw StoreError.unavailable(
                "the PostgreSQL URL must look like postgres://user:password@host:5432/database")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let socket = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        host =
            components.percentEncodedHost.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
            ?? query["host"].flatMap { $0.hasPrefix("/") ? nil : $0 } ?? "localhost"
        port = components.port ?? 5432
        socketDirectory = socket
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw StoreError.unavailable("the PostgreSQL URL names no user (postgres://USER:password@host/database)")
        }
        username = user
        password = components.percentEncodedPassword?.removingPercentEncoding
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
        let mode = query["sslmode"] ?? TLSMode.prefer.rawValue
        guard let tls = TLSMode(rawValue: mode) else {
            throw StoreError.unavailable(
                "sslmode '\(mode)' is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.tls = tls
    }

    /// Where the server is, for messages (never the password).
    var endpoint: String {
        if let socketDirectory { return "\(socketDirectory)/.s.PGSQL.\(port)" }
        return "\(host):\(port)"
    }

    /// The same server and credentials with another database (tests create one per test).
    func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The TLS settings `sslmode` asks for.
    var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if tls != .verifyFull { configuration.certificateVerification = .none }
        return configuration
    }

    /// The pooled client's configuration.
    func clientConfiguration(maxConnections: Int, connectTimeout: Duration) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: username, password: password,
                database: database)
        } else {
            let mode: PostgresClient.Configuration.TLS =
                switch tls {
                case .disable: .disable
                case .prefer: .prefer(tlsConfiguration)
                case .require, .verifyFull: .require(tlsConfiguration)
                }
            configuration = .init(
                host: host, port: port, username: username, password: password, database: database, tls: mode)
        }
        configuration.options.maximumConnections = maxConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = connectTimeout
        configuration.options.additionalStartupParameters = [("application_name", "provisioner")]
        return configuration
    }

    /// A single connection's configuration (migrations and the start-up check use one).
    func connectionConfiguration(connectTimeout: Duration) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketDirectory {
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: username, password: password,
                database: database)
        } else {
            let mode: PostgresConnection.Configuration.TLS =
                switch tls {
                case .disable: .disable
                case .prefer: .prefer(try NIOSSLContext(configuration: tlsConfiguration))
                case .require, .verifyFull: .require(try NIOSSLContext(configuration: tlsConfiguration))
                }
            configuration = .init(
                host: host, port: port, username: username, password: password, database: database, tls: mode)
        }
        configuration.options.connectTimeout = .milliseconds(Int64(connectTimeout.components.seconds * 1000))
        configuration.options.additionalStartupParameters = [("application_name", "provisioner")]
        return configuration
    }
}
