import Foundation
import ProvisionerAPI

/// Saves and loads the pool's catalog in parts (``CatalogPartStore``): a refresh writes only the
/// parts whose VMs changed, a few hundred kilobytes per transaction so that an allocation's claim
/// commit never waits long behind it, then makes them current in one small commit. A refresh
/// where nothing changed writes no part at all.
///
/// A part is written as bytes: ``packedFormat``, then its VMs exactly as the pool holds them
/// packed (``PoolVMTable/encoded(_:)``), so storing a part encodes nothing and writes about half
/// the bytes of its JSON. Parts written as JSON text (before the packed form) still load.
enum PoolCatalogParts {
    /// At most this many bytes of parts per write transaction (the longest an allocation's commit can
    /// wait behind a refresh is about one such write).
    static let bytesPerWrite = 256 * 1024
    /// The first byte of a part written as bytes: the packed layout of ``PoolVMTable``, version 1.
    static let packedFormat: UInt8 = 1
    /// Publishing retries when another replica's publish dropped parts this one reuses.
    static let publishAttempts = 5

    /// What storing a catalog did.
    enum Outcome {
        case published(generation: Int64, layout: PoolCatalogLayout)
        /// Seeding only: a catalog was stored already.
        case alreadyStored
    }

    /// Stores the VMs of `next` as the new catalog, reusing the parts of `previous` that hold the
    /// same VMs.
    ///
    /// - Parameter seed: Store it as generation 1 only if no catalog exists.
    static func store(_ next: PoolSnapshot, previous: PoolSnapshot?, in store: any CatalogPartStore, seed: Bool)
        async throws -> Outcome
    {
        let vms = next.vms
        let ranges = PoolCatalogLayout.ranges(of: vms)
        var ids = [Int64?](repeating: nil, count: ranges.count)
        if let previous {
            let unchanged = UnchangedParts(previous: previous)
            for (part, range) in ranges.enumerated() { ids[part] = unchanged.id(of: range, in: vms) }
        }
        return try await publish(ids: ids, ranges: ranges, vms: vms, in: store, seed: seed)
    }

    /// Writes the parts of `ranges` without an id and publishes the list, writing again the parts
    /// another replica's publish dropped meanwhile.
    static func publish(
        ids: [Int64?], ranges: [Range<Int>], vms: PoolVMTable, in store: any CatalogPartStore, seed: Bool
    ) async throws -> Outcome {
        var ids = ids
        for _ in 0..<publishAttempts {
            try await writeMissing(&ids, ranges: ranges, vms: vms, in: store)
            let published = ids.compactMap { $0 }  // every part has an id after writeMissing
            switch try await store.publish(parts: published, seed: seed) {
            case .published(let generation):
                let parts = zip(published, ranges).map { PoolCatalogLayout.Part(id: $0, range: $1) }
                return .published(generation: generation, layout: PoolCatalogLayout(parts: parts))
            case .alreadyStored:
                return .alreadyStored
            case .missingParts(let gone):
                let missing = Set(gone)
                ids = ids.map { $0.flatMap { missing.contains($0) ? nil : $0 } }
            }
        }
        throw ProvisionerError.backendUnavailable(
            "the pool catalog's parts were dropped \(publishAttempts) times while saving it: another replica keeps refreshing the pool"
        )
    }

    /// The stored parts of a previous catalog, found by the VMs they hold.
    struct UnchangedParts {
        let previous: PoolSnapshot
        private let startingAt: [Int: PoolCatalogLayout.Part]

        init(previous: PoolSnapshot) {
            self.previous = previous
            startingAt = Dictionary(
                (previous.layout?.parts ?? []).map { ($0.range.lowerBound, $0) }, uniquingKeysWith: { a, _ in a })
        }

        /// The id of the stored part holding exactly `vms[range]`, if there is one.
        func id(of range: Range<Int>, in vms: PoolVMTable) -> Int64? {
            guard !startingAt.isEmpty else { return nil }
            return PoolCatalogLayout.unchangedPart(range, of: vms, in: previous, startingAt: startingAt)
        }
    }

    /// Writes the parts without an id, a batch of at most ``bytesPerWrite`` at a time.
    private static func writeMissing(
        _ ids: inout [Int64?], ranges: [Range<Int>], vms: PoolVMTable, in store: any CatalogPartStore
    ) async throws {
        var batch = PartBatch()
        for part in ranges.indices where ids[part] == nil {
            batch.add(part: part, packed(ranges[part], of: vms))
            if batch.bytes >= bytesPerWrite {
                for (part, id) in try await batch.write(to: store) { ids[part] = id }
                batch = PartBatch()
            }
        }
        for (part, id) in try await batch.write(to: store) { ids[part] = id }
    }

    /// Parts waiting to be written together, in one transaction of at most about ``bytesPerWrite``.
    struct PartBatch: Sendable {
        /// Their numbers in the catalog's list of parts.
        private(set) var parts: [Int] = []
        private(set) var payloads: [[UInt8]] = []
        private(set) var bytes = 0

        mutating func add(part: Int, _ payload: [UInt8]) {
            parts.append(part)
            payloads.append(payload)
            bytes += payload.count
        }

        /// Writes the parts (nothing when there are none).
        ///
        /// - Returns: Each part's number with the id the store gave it.
        func write(to store: any CatalogPartStore) async throws -> [(part: Int, id: Int64)] {
            guard !parts.isEmpty else { return [] }
            let written = try await store.writeParts(bytes: payloads)
            return Array(zip(parts, written).map { (part: $0, id: $1) })
        }
    }

    /// The part holding `vms[range]`, as it is stored: ``packedFormat`` and the VMs' packed bytes.
    static func packed(_ range: Range<Int>, of vms: PoolVMTable) -> [UInt8] {
        let packed = vms.encoded(range)
        var stored: [UInt8] = []
        stored.reserveCapacity(packed.count + 1)
        stored.append(packedFormat)
        stored.append(contentsOf: packed)
        return stored
    }

    /// The catalog as last published, as a snapshot with its generation and layout (no layout
    /// when it was saved whole).
    ///
    /// - Throws: ``PoolCatalogError`` when a stored part is not a valid pool.
    static func load(from store: any CatalogPartStore) async throws -> PoolSnapshot? {
        guard let stored = try await store.loadParts() else { return nil }
        var vms: [PoolVM] = []
        var parts: [PoolCatalogLayout.Part] = []
        for part in stored.parts {
            let start = vms.count
            vms.append(contentsOf: try decode(part))
            parts.append(PoolCatalogLayout.Part(id: part.id, range: start..<vms.count))
        }
        let wasWhole = stored.parts.count == 1 && stored.parts[0].id == 0
        return try PoolSnapshot(
            generation: stored.generation, validating: vms, layout: wasWhole ? nil : PoolCatalogLayout(parts: parts))
    }

    /// The VMs of one stored part, packed or JSON.
    private static func decode(_ part: StoredCatalogPart) throws(PoolCatalogError) -> [PoolVM] {
        guard let bytes = part.bytes else { return try PoolCatalogJSON.decode(Data(part.payload.utf8)) }
        guard bytes.first == packedFormat else {
            throw PoolCatalogError(
                message:
                    "stored catalog part \(part.id) has format \(bytes.first.map(String.init) ?? "none"), expected \(packedFormat): written by a newer version?"
            )
        }
        do {
            return Array(try PoolVMTable(checking: bytes.dropFirst()))
        } catch {
            // Bytes counted from the first VM, after the format byte.
            throw PoolCatalogError(message: "stored catalog part \(part.id): its packed VMs are \(error.message)")
        }
    }
}
