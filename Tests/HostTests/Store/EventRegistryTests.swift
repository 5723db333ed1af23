import Foundation
import Host
import ProvisionerAPI
import Testing

/// The package root, found from this file (`Tests/HostTests/Store/…`).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

struct EventRegistryTests {
    @Test func everyKindIsListedOnceWithAMeaning() {
        let names = EventRegistry.all.map(\.name)
        #expect(
            Set(names).count == names.count, "duplicates: \(names.filter { n in names.filter { $0 == n }.count > 1 })")
        for kind in EventRegistry.all {
            #expect(kind.meaning.hasSuffix("."), "\(kind.name): a meaning is one sentence")
            #expect(!kind.meaning.contains("|") && !kind.meaning.contains("\n"), "\(kind.name)")
            #expect(kind.name.wholeMatch(of: /[a-z][a-z_]*(\.[a-z][a-z_]*)?/) != nil, "\(kind.name)")
            // Audit kinds are `noun.verb`; lifecycle kinds are one snake_case word.
            #expect(kind.name.contains(".") == (kind.category == .audit), "\(kind.name) as \(kind.category)")
            #expect(EventRegistry.kind(named: kind.name) == kind)
            #expect(EventRegistry.isRegistered(kind.name, as: kind.category))
        }
        #expect(!EventRegistry.isRegistered("vm_gone", as: .audit))
        #expect(!EventRegistry.isRegistered("order.created", as: .lifecycle))
        #expect(!EventRegistry.isRegistered("no.such_kind", as: .audit))
    }

    /// A ledger's kinds follow the claim states, so a new state cannot go unregistered.
    @Test func everyClaimStateOfEveryNamespaceIsRegistered() {
        for namespace in EventRegistry.claimNamespaces {
            for state in ClaimState.allCases {
                let name = EventKind.claimStateName(namespace: namespace, state: state)
                #expect(EventRegistry.isRegistered(name, as: .audit), "\(name)")
            }
            #expect(EventRegistry.isRegistered(EventKind.claimFreedName(namespace: namespace), as: .audit))
        }
        #expect(EventKind.claimStateName(namespace: "pool", state: .cleaning) == "pool.vm_cleaning")
        #expect(EventKind.claimFreedName(namespace: "pool") == "pool.vm_freed")
    }

    @Test func theTableHasOneRowPerKindSortedByCategoryThenKind() {
        let rows = EventRegistry.markdownTable().split(separator: "\n").dropFirst(2)
        #expect(rows.count == EventRegistry.all.count)
        #expect(
            rows.first
                == "| `dashboard.link_issued` | audit | \(EventRegistry.kind(named: "dashboard.link_issued")!.meaning) |"
        )
        let keys = EventRegistry.all.map { ($0.category.rawValue, $0.name) }
        #expect(keys.map(\.0) == keys.map(\.0).sorted())
        #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func replacingTheTableKeepsTheRestOfTheDocument() {
        let markers = EventRegistry.markdownMarkers
        let document = "# T\n\(markers.begin)\nold\n\(markers.end)\nafter\n"
        #expect(
            EventRegistry.replacingMarkdownTable(in: document)
                == "# T\n\(markers.begin)\n\(EventRegistry.markdownTable())\(markers.end)\nafter\n")
        #expect(EventRegistry.replacingMarkdownTable(in: "no markers") == nil)
        #expect(EventRegistry.replacingMarkdownTable(in: "\(markers.end)\n\(markers.begin)") == nil)
    }

    /// README's table is the registry's rendering; `UPDATE_EVENT_TABLE=1` rewrites it.
    @Test func readmeListsEveryEventKind() throws {
        let readme = packageRoot.appendingPathComponent("README.md")
        let current = try String(contentsOf: readme, encoding: .utf8)
        let rendered = try #require(
            EventRegistry.replacingMarkdownTable(in: current),
            "README.md lacks the markers \(EventRegistry.markdownMarkers.begin) and \(EventRegistry.markdownMarkers.end)"
        )
        if rendered == current { return }
        if ProcessInfo.processInfo.environment["UPDATE_EVENT_TABLE"] == "1" {
            try rendered.write(to: readme, atomically: true, encoding: .utf8)
            return
        }
        Issue.record(
            """
            README.md's event table differs from EventRegistry.markdownTable(). Regenerate it with
              UPDATE_EVENT_TABLE=1 swift test --filter EventRegistryTests
            and commit README.md. The table should read:
            \(EventRegistry.markdownTable())
            """)
    }

    /// Every kind the code writes as a literal is registered, with the category it is written as.
    @Test func everyKindInSourcesIsRegistered() throws {
        var scanner = EventKindScanner()
        try scanner.add(directory: packageRoot.appendingPathComponent("Sources"), relativeTo: packageRoot)
        let findings = scanner.findings()
        let problems = EventKindScanner.unregistered(findings)
        #expect(
            problems.isEmpty,
            """
            Sources write event kinds that EventRegistry (Sources/Host/Store/EventRegistry.swift) lacks; \
            register each with its meaning:
            \(problems.joined(separator: "\n"))
            """)
        // The scan sees the real code: a route's kind, and many more.
        #expect(findings.contains { $0.kind == "dashboard.link_issued" && $0.category == .audit })
        #expect(Set(findings.map(\.kind)).count >= 15, "\(findings)")
    }

    #if DEBUG
        /// A new event of an unregistered kind stops a debug build (so every test that writes an event
        /// proves its kind is registered); one read back from the store (it has an id) does not.
        @Test(.timeLimit(.minutes(1))) func aNewEventOfAnUnregisteredKindStopsADebugBuild() async {
            await #expect(processExitsWith: .failure) {
                _ = AuditEvent(
                    at: Date(), kind: "no.such_kind", allocationID: nil, userID: nil, actor: "t", requestID: nil)
            }
            await #expect(processExitsWith: .failure) {
                _ = LifecycleEvent(at: Date(), kind: "order.created", allocationID: nil, backend: "simulated")
            }
            let stored = AuditEvent(
                id: 1, at: Date(), kind: "retired.kind", allocationID: nil, userID: nil, actor: "t", requestID: nil)
            #expect(stored.kind == "retired.kind")
            let storedLifecycle = LifecycleEvent(
                id: 1, at: Date(), kind: "retired_kind", allocationID: nil, backend: "x")
            #expect(storedLifecycle.kind == "retired_kind")
        }
    #endif
}
