import Foundation
import ProvisionerAPI

/// Saves and loads the pool's catalog in parts (``CatalogPartStore``): a refresh encodes and
/// writes only the parts whose VMs changed, a few hundred kilobytes per transaction so that an
/// allocation's claim commit never waits long behind it, then makes them current in one small
/// commit. A refresh where nothing changed writes no part at all.
enum PoolCatalogParts {
    /// At most this much part text per write transaction (the longest an allocation's commit can
    /// wait behind a refresh is about one such write).
    static let bytesPerWrite = 256 * 1024
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
        if let previous, let layout = previous.layout {
            let startingAt = Dictionary(layout.parts.map { ($0.range.lowerBound, $0) }, uniquingKeysWith: { a, _ in a })
            for (part, range) in ranges.enumerated() {
                ids[part] = PoolCatalogLayout.unchangedPart(range, of: vms, in: previous, startingAt: startingAt)
            }
        }
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

    /// Encodes and writes the parts without an id, a batch of at most ``bytesPerWrite`` at a time.
    private static func writeMissing(
        _ ids: inout [Int64?], ranges: [Range<Int>], vms: PoolVMTable, in store: any CatalogPartStore
    ) async throws {
        var batch: [Int] = []
        var payloads: [String] = []
        var bytes = 0
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let written = try await store.writeParts(payloads)
            for (part, id) in zip(batch, written) { ids[part] = id }
            batch.removeAll(keepingCapacity: true)
            payloads.removeAll(keepingCapacity: true)
            bytes = 0
        }
        for part in ranges.indices where ids[part] == nil {
            let payload = PoolCatalogJSON.encode(vms, range: ranges[part])
            batch.append(part)
            payloads.append(payload)
            bytes += payload.utf8.count
            if bytes >= bytesPerWrite { try await flush() }
        }
        try await flush()
    }

    /// The catalog as last published: its generation, VMs and layout (`nil` when it was saved whole).
    ///
    /// - Throws: ``PoolCatalogError`` when a stored part is not a valid pool.
    static func load(from store: any CatalogPartStore) async throws -> (
        generation: Int64, vms: [PoolVM], index: PoolIDIndex, layout: PoolCatalogLayout?
    )? {
        guard let stored = try await store.loadParts() else { return nil }
        var vms: [PoolVM] = []
        var parts: [PoolCatalogLayout.Part] = []
        for part in stored.parts {
            let start = vms.count
            vms.append(contentsOf: try PoolCatalogJSON.decode(Data(part.payload.utf8)))
            parts.append(PoolCatalogLayout.Part(id: part.id, range: start..<vms.count))
        }
        let index = try vms.validatedIndex()
        let wasWhole = stored.parts.count == 1 && stored.parts[0].id == 0
        return (stored.generation, vms, index, wasWhole ? nil : PoolCatalogLayout(parts: parts))
    }
}
