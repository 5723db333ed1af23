public import Foundation
import PostgresNIO
public import ProvisionerAPI

extension PostgresStore {
    public func writeCatalogParts(namespace: String, payloads: [String]) async throws -> [Int64] {
        guard !payloads.isEmpty else { return [] }
        return try await transaction { c in
            // One statement for the batch; WITH ORDINALITY keeps the ids in the payloads' order.
            let rows = try await c.rows(
                """
                INSERT INTO backend_catalog_parts (namespace, payload)
                SELECT \(namespace), p.payload FROM unnest(\(payloads)::text[]) WITH ORDINALITY AS p(payload, n)
                ORDER BY p.n
                RETURNING id
                """, logger: logger)
            return try rows.map { try $0.decode(Int64.self) }.sorted()
        }
    }

    public func writeCatalogParts(namespace: String, bytes: [[UInt8]]) async throws -> [Int64] {
        guard !bytes.isEmpty else { return [] }
        let buffers = bytes.map { ByteBuffer(bytes: $0) }
        return try await transaction { c in
            let rows = try await c.rows(
                """
                INSERT INTO backend_catalog_parts (namespace, payload, packed)
                SELECT \(namespace), '', p.packed FROM unnest(\(buffers)::bytea[]) WITH ORDINALITY AS p(packed, n)
                ORDER BY p.n
                RETURNING id
                """, logger: logger)
            return try rows.map { try $0.decode(Int64.self) }.sorted()
        }
    }

    public func publishCatalog(namespace: String, parts: [Int64], seed: Bool, now: Date) async throws
        -> CatalogPublishOutcome
    {
        try await transaction { c in
            // The catalog row, locked: concurrent publishes of one namespace run one after the other.
            let current = try await c.rows(
                "SELECT generation, parts FROM backend_catalogs WHERE namespace = \(namespace) FOR UPDATE",
                logger: logger
            ).first.map { try $0.decode((Int64, String?).self) }
            if seed, let current {
                try await c.query(
                    "DELETE FROM backend_catalog_parts WHERE namespace = \(namespace) AND id = ANY(\(parts))",
                    logger: logger)
                return .alreadyStored(generation: current.0)
            }
            let present = try await Set(
                c.rows(
                    "SELECT id FROM backend_catalog_parts WHERE namespace = \(namespace) AND id = ANY(\(parts))",
                    logger: logger
                ).map { try $0.decode(Int64.self) })
            let missing = parts.filter { !present.contains($0) }
            guard missing.isEmpty else { return .missingParts(missing) }
            // A racing first publish from another replica makes this insert wait for it, then update.
            let rows = try await c.rows(
                """
                INSERT INTO backend_catalogs (namespace, generation, payload, saved_at, parts)
                VALUES (\(namespace), 1, '', \(now.timeIntervalSince1970), \(CatalogPartList.text(parts)))
                ON CONFLICT (namespace) DO UPDATE SET
                    generation = backend_catalogs.generation + 1, payload = excluded.payload,
                    saved_at = excluded.saved_at, parts = excluded.parts
                RETURNING generation
                """, logger: logger)
            guard let generation = try rows.first?.decode(Int64.self) else {
                throw StoreError.corruptRow("publishing the catalog of \(namespace) returned no generation")
            }
            // The previous catalog's parts this one does not use, and parts written but never
            // published (a refresh that crashed or lost a race) older than the newest part here.
            let kept = Set(parts)
            let previous = CatalogPartList.ids(current?.1).filter { !kept.contains($0) }
            try await c.query(
                """
                DELETE FROM backend_catalog_parts WHERE namespace = \(namespace)
                AND (id = ANY(\(previous)) OR (id <= \(parts.max() ?? Int64.max) AND NOT id = ANY(\(parts))))
                """, logger: logger)
            _ = try await c.rows("SELECT pg_notify(\(Self.catalogChannel), \(namespace))", logger: logger)
            return .published(generation: generation)
        }
    }

    public func catalogParts(namespace: String) async throws -> StoredCatalogParts? {
        try await transaction { c in
            // One snapshot for both reads, so a publish in between cannot drop the parts read next.
            try await c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
            guard
                let (generation, payload, text) = try await c.rows(
                    "SELECT generation, payload, parts FROM backend_catalogs WHERE namespace = \(namespace)",
                    logger: logger
                ).first?.decode((Int64, String, String?).self)
            else { return nil }
            guard let text else {
                return StoredCatalogParts(generation: generation, parts: [StoredCatalogPart(id: 0, payload: payload)])
            }
            let ids = CatalogPartList.ids(text)
            var parts: [Int64: StoredCatalogPart] = [:]
            for row in try await c.rows(
                """
                SELECT id, payload, packed FROM backend_catalog_parts
                WHERE namespace = \(namespace) AND id = ANY(\(ids))
                """,
                logger: logger)
            {
                let (id, payload, packed) = try row.decode((Int64, String, ByteBuffer?).self)
                parts[id] = StoredCatalogPart(
                    id: id, payload: payload, bytes: packed.map { Array($0.readableBytesView) })
            }
            return StoredCatalogParts(
                generation: generation,
                parts: try ids.map { id in
                    guard let part = parts[id] else {
                        throw StoreError.corruptRow("catalog part \(id) of \(namespace) is missing")
                    }
                    return part
                })
        }
    }
}
