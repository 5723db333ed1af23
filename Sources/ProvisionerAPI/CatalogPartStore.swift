/// One part of a catalog stored in parts: an id the store gave it and what the plugin wrote, text
/// (``CatalogPartStore/writeParts(_:)``) or bytes (``CatalogPartStore/writeParts(bytes:)``).
public struct StoredCatalogPart: Sendable, Hashable {
    /// The store's id for the part; a catalog saved whole (before parts existed) has one part, 0.
    public var id: Int64
    /// The part as the plugin encoded it, when it was written as text; empty when written as bytes.
    public var payload: String
    /// The part as the plugin encoded it, when it was written as bytes.
    public var bytes: [UInt8]?

    /// Creates a stored part.
    public init(id: Int64, payload: String, bytes: [UInt8]? = nil) {
        self.id = id
        self.payload = payload
        self.bytes = bytes
    }
}

/// A catalog as last published: its generation and its parts, in order.
public struct StoredCatalogParts: Sendable, Hashable {
    public var generation: Int64
    public var parts: [StoredCatalogPart]

    /// Creates a published catalog.
    public init(generation: Int64, parts: [StoredCatalogPart]) {
        self.generation = generation
        self.parts = parts
    }
}

/// What publishing a list of parts did.
public enum CatalogPublishOutcome: Sendable, Hashable {
    /// The parts are the catalog now, at this generation.
    case published(generation: Int64)
    /// Seeding only: a catalog existed already (at this generation); the parts were dropped.
    case alreadyStored(generation: Int64)
    /// Nothing changed: these parts are gone (another replica's publish dropped them meanwhile);
    /// write them again and publish again.
    case missingParts([Int64])
}

/// A ``CatalogStore`` that stores a catalog in parts, so that saving a new catalog writes only the
/// parts that changed, each write is short, and the new catalog becomes current in one small
/// commit (``publish(parts:seed:)``). A crash before that commit leaves the previous catalog
/// current; its unpublished parts are dropped by a later publish.
///
/// ## Implementation requirements
/// - ``writeParts(_:)`` and ``writeParts(bytes:)`` commit their parts in one transaction and return
///   ids that grow with every call (of either).
/// - ``publish(parts:seed:)`` is one transaction: it checks every part exists, makes the list the
///   catalog at the next generation (or, seeding, at generation 1 only when there is none), and
///   deletes the parts no longer used that are older than the newest part it publishes.
/// - ``CatalogStore/generation()`` stays cheap.
public protocol CatalogPartStore: CatalogStore {
    /// Stores parts of a catalog that is not published yet.
    ///
    /// - Returns: Their ids, in the order given.
    func writeParts(_ payloads: [String]) async throws -> [Int64]
    /// Stores parts of a catalog that is not published yet, as bytes (a plugin's own binary form);
    /// they come back in ``StoredCatalogPart/bytes``.
    ///
    /// - Returns: Their ids, in the order given.
    func writeParts(bytes parts: [[UInt8]]) async throws -> [Int64]
    /// Makes `parts`, in this order, the catalog.
    func publish(parts: [Int64], seed: Bool) async throws -> CatalogPublishOutcome
    /// The catalog as last published, in parts, if one was (one part with id 0 when it was saved whole).
    func loadParts() async throws -> StoredCatalogParts?
}
