public import Foundation
import PostgresNIO
public import ProvisionerAPI

extension PostgresStore {
    /// The channel a saved catalog is announced on (`NOTIFY`, payload: the namespace), for replicas
    /// that want to reload before their next generation check.
    static let catalogChannel = "provisioner_catalog"

    public func saveCatalog(namespace: String, payload: String, now: Date) async throws -> Int64 {
        try await transaction { c in
            // One statement: concurrent saves serialize on the row, each bumping the generation once.
            let rows = try await c.rows(
                """
                INSERT INTO backend_catalogs (namespace, generation, payload, saved_at)
                VALUES (\(namespace), 1, \(payload), \(now.timeIntervalSince1970))
                ON CONFLICT (namespace) DO UPDATE SET
                    generation = backend_catalogs.generation + 1, payload = excluded.payload,
                    saved_at = excluded.saved_at, parts = NULL
                RETURNING generation
                """, logger: logger)
            guard let generation = try rows.first?.decode(Int64.self) else {
                throw StoreError.corruptRow("saving the catalog of \(namespace) returned no generation")
            }
            _ = try await c.rows("SELECT pg_notify(\(Self.catalogChannel), \(namespace))", logger: logger)
            return generation
        }
    }

    public func seedCatalog(namespace: String, payload: String, now: Date) async throws -> StoredCatalog {
        try await transaction { c in
            // A racing seed from another replica makes this insert wait for it, then do nothing;
            // the read that follows sees whichever catalog won.
            try await c.query(
                """
                INSERT INTO backend_catalogs (namespace, generation, payload, saved_at)
                VALUES (\(namespace), 1, \(payload), \(now.timeIntervalSince1970))
                ON CONFLICT (namespace) DO NOTHING
                """, logger: logger)
            let rows = try await c.rows(
                "SELECT generation, payload FROM backend_catalogs WHERE namespace = \(namespace)", logger: logger)
            guard let (generation, stored) = try rows.first?.decode((Int64, String).self) else {
                throw StoreError.corruptRow("backend_catalogs row \(namespace) vanished inside its transaction")
            }
            return StoredCatalog(generation: generation, payload: stored)
        }
    }

    public func catalog(namespace: String) async throws -> StoredCatalog? {
        try await rows("SELECT generation, payload FROM backend_catalogs WHERE namespace = \(namespace)").first
            .map { row in
                let (generation, payload) = try row.decode((Int64, String).self)
                return StoredCatalog(generation: generation, payload: payload)
            }
    }

    public func catalogGeneration(namespace: String) async throws -> Int64? {
        try await rows("SELECT generation FROM backend_catalogs WHERE namespace = \(namespace)").first?
            .decode(Int64.self)
    }
}
