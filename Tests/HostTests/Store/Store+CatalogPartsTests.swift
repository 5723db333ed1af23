import Foundation
import Host
import ProvisionerAPI
import Testing

/// A catalog stored in parts (SQLite v10, PostgreSQL 7): parts are written unpublished, one small
/// commit publishes them, and parts no catalog uses any more are dropped.
struct StoreCatalogPartsTests {
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func publishedPartsAreTheCatalogAndPartsNoLongerUsedAreDropped(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let first = try await store.writeCatalogParts(namespace: "pool", payloads: ["[a]", "[b]"])
            #expect(first.count == 2 && first[0] < first[1])
            // Written but not published: not the catalog yet.
            #expect(try await store.catalogParts(namespace: "pool") == nil)
            #expect(
                try await store.publishCatalog(namespace: "pool", parts: first, seed: false, now: Date())
                    == .published(generation: 1))
            #expect(
                try await store.catalogParts(namespace: "pool")
                    == StoredCatalogParts(
                        generation: 1,
                        parts: [
                            StoredCatalogPart(id: first[0], payload: "[a]"),
                            StoredCatalogPart(id: first[1], payload: "[b]"),
                        ]))

            // The next catalog keeps [a] and replaces [b]: [b] is dropped with the publish.
            let second = try await store.writeCatalogParts(namespace: "pool", payloads: ["[c]"])
            #expect(second[0] > first[1])
            #expect(
                try await store.publishCatalog(namespace: "pool", parts: [first[0]] + second, seed: false, now: Date())
                    == .published(generation: 2))
            #expect(try await store.catalogParts(namespace: "pool")?.parts.map(\.payload) == ["[a]", "[c]"])
            #expect(try await store.catalogGeneration(namespace: "pool") == 2)
            #expect(
                try await store.publishCatalog(namespace: "pool", parts: [first[1]], seed: false, now: Date())
                    == .missingParts([first[1]]))
            // A refused publish changed nothing; other namespaces are independent.
            #expect(try await store.catalogParts(namespace: "pool")?.generation == 2)
            #expect(try await store.catalogParts(namespace: "other") == nil)
        }
    }

    /// Parts written as bytes (a plugin's binary form) read back as bytes, next to text parts, in
    /// one catalog; ids grow across both kinds of write.
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func partsWrittenAsBytesReadBackAsBytes(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let text = try await store.writeCatalogParts(namespace: "pool", payloads: ["[a]"])
            let binary: [[UInt8]] = [[1, 0, 0xFF, 0x80], [], Array(0...255)]
            let packed = try await store.writeCatalogParts(namespace: "pool", bytes: binary)
            #expect(packed.count == 3 && packed[0] > text[0] && packed == packed.sorted())
            #expect(try await store.writeCatalogParts(namespace: "pool", bytes: []) == [])
            _ = try await store.publishCatalog(namespace: "pool", parts: packed + text, seed: false, now: Date())
            let parts = try #require(try await store.catalogParts(namespace: "pool")).parts
            #expect(parts.map(\.id) == packed + text)
            #expect(parts.map(\.bytes) == binary + [nil])
            #expect(parts.map(\.payload) == ["", "", "", "[a]"])
        }
    }

    /// A refresh that crashed after writing parts and before publishing them left the previous
    /// catalog current; the next publish drops its parts.
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func partsNeverPublishedLeaveTheCatalogAsItWasAndAreDroppedByTheNextPublish(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let published = try await store.writeCatalogParts(namespace: "pool", payloads: ["[a]"])
            _ = try await store.publishCatalog(namespace: "pool", parts: published, seed: false, now: Date())
            let orphaned = try await store.writeCatalogParts(namespace: "pool", payloads: ["[crashed]"])
            #expect(try await store.catalogParts(namespace: "pool")?.parts.map(\.payload) == ["[a]"])

            let next = try await store.writeCatalogParts(namespace: "pool", payloads: ["[b]"])
            #expect(
                try await store.publishCatalog(namespace: "pool", parts: next, seed: false, now: Date())
                    == .published(generation: 2))
            #expect(
                try await store.publishCatalog(namespace: "pool", parts: orphaned + published, seed: false, now: Date())
                    == .missingParts(orphaned + published))
            #expect(try await store.catalogParts(namespace: "pool")?.parts.map(\.payload) == ["[b]"])
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func seedingInPartsNeverOverwritesAnExistingCatalog(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let seed = try await store.writeCatalogParts(namespace: "pool", payloads: ["[seed]"])
            #expect(
                try await store.publishCatalog(namespace: "pool", parts: seed, seed: true, now: Date())
                    == .published(generation: 1))
            let late = try await store.writeCatalogParts(namespace: "pool", payloads: ["[late]"])
            #expect(
                try await store.publishCatalog(namespace: "pool", parts: late, seed: true, now: Date())
                    == .alreadyStored(generation: 1))
            #expect(try await store.catalogParts(namespace: "pool")?.parts.map(\.payload) == ["[seed]"])
            // The losing seed's parts were dropped with it.
            #expect(
                try await store.publishCatalog(namespace: "pool", parts: late, seed: false, now: Date())
                    == .missingParts(late))
        }
    }

    /// A catalog saved whole (before v10, or by ``Store/saveCatalog(namespace:payload:now:)``)
    /// reads as one part with id 0, and saving whole after parts switches back.
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func aCatalogSavedWholeReadsAsOnePart(_ kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            _ = try await store.saveCatalog(namespace: "pool", payload: "[whole]", now: Date())
            #expect(
                try await store.catalogParts(namespace: "pool")
                    == StoredCatalogParts(generation: 1, parts: [StoredCatalogPart(id: 0, payload: "[whole]")]))
            let parts = try await store.writeCatalogParts(namespace: "pool", payloads: ["[x]", "[y]"])
            #expect(
                try await store.publishCatalog(namespace: "pool", parts: parts, seed: false, now: Date())
                    == .published(generation: 2))
            #expect(try await store.catalogParts(namespace: "pool")?.parts.map(\.payload) == ["[x]", "[y]"])
            #expect(try await store.saveCatalog(namespace: "pool", payload: "[whole again]", now: Date()) == 3)
            #expect(
                try await store.catalogParts(namespace: "pool")
                    == StoredCatalogParts(generation: 3, parts: [StoredCatalogPart(id: 0, payload: "[whole again]")]))
        }
    }
}
