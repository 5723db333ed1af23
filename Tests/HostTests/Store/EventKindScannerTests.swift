import Host
import Testing

/// The scanner on snippets: it must see every shape of event kind the code uses, and nothing else.
struct EventKindScannerTests {
    private static func scan(_ source: String, path: String = "Snippet.swift") -> [EventKindScanner.Finding] {
        var scanner = EventKindScanner()
        scanner.add(path: path, source: source)
        return scanner.findings()
    }

    private static func kinds(_ findings: [EventKindScanner.Finding]) -> [String] {
        findings.map { "\($0.kind)@\($0.category?.rawValue ?? "any")" }.sorted()
    }

    @Test func findsTheKindArgumentOfBothEventTypes() {
        let findings = Self.scan(
            """
            let a = AuditEvent(
                at: now, kind: "order.created", allocationID: id, userID: nil, actor: "service",
                requestID: nil, detail: "plan=\\(plan.name) \\(ok ? "x.y" : "z")")
            let b = LifecycleEvent(at: now, kind: "vm_gone", allocationID: id, backend: "pool")
            let c = LifecycleEvent(at: now, kind: ok ? "vm_stopped" : "vm_recovered", allocationID: id, backend: b)
            """)
        #expect(
            Self.kinds(findings) == [
                "order.created@audit", "vm_gone@lifecycle", "vm_recovered@lifecycle", "vm_stopped@lifecycle",
            ])
        #expect(findings.first { $0.kind == "vm_gone" }?.line == 4)
    }

    @Test func ignoresCommentsStringsStoredEventsAndFilters() {
        let findings = Self.scan(
            """
            // AuditEvent(at: now, kind: "commented.out", allocationID: nil)
            /* LifecycleEvent(kind: "block_comment" /* nested */ ) */
            let text = "AuditEvent(kind: \\"in.a_string\\")"
            let raw = #"LifecycleEvent(kind: "in_raw")"#
            let stored = AuditEvent(id: row["id"], at: at, kind: row["kind"], allocationID: nil)
            let filter = AuditFilter(kind: "filter.only")
            let dynamic = AuditEvent(at: now, kind: kind, allocationID: nil)
            """)
        #expect(findings.isEmpty, "\(findings)")
    }

    @Test func followsHelpersByPositionAndLabel() {
        let findings = Self.scan(
            """
            struct Recovery {
                private func note(_ id: String, _ kind: String, _ detail: String) async throws {
                    try await store.appendEvents([LifecycleEvent(at: Date(), kind: kind, allocationID: id, backend: b)])
                }
                func run() async throws {
                    try await note(id, "recovered", "finished \\(x ? "a.b" : "c.d")")
                }
            }
            struct Provisioning {
                private func event(_ kind: String, _ record: R, detail: String? = nil) -> AuditEvent {
                    AuditEvent(at: Date(), kind: kind, allocationID: record.id, userID: nil, actor: "p", requestID: nil)
                }
                private func apply(_ record: R, audit kind: String?, requestID: String?) async throws -> R {
                    try await apply(record, auditEvent: kind.map { event($0, record) })
                }
                func go() async throws {
                    _ = try await apply(record, audit: "order.cancelled", requestID: nil)
                    _ = try await apply(record, audit: nil, requestID: nil)
                    let audit = event(ok ? "provision.succeeded" : "provision.degraded", record, detail: "x")
                    metrics.lifecycleEvent(kind: "deadline_exceeded")
                }
            }
            final class ServiceMetrics {
                func lifecycleEvent(kind: String) { counter(kind).increment() }
                func contains(_ kind: String) -> Bool { names.contains(kind) }
                func check() { _ = contains("not.an_event") }
            }
            """)
        #expect(
            Self.kinds(findings) == [
                "deadline_exceeded@lifecycle", "order.cancelled@audit", "provision.degraded@audit",
                "provision.succeeded@audit", "recovered@lifecycle",
            ])
    }

    @Test func readsTheTuplesBehindAKindVariable() {
        let findings = Self.scan(
            """
            let event: (kind: String, detail: String)?
            switch (previous, status.powerState) {
            case (_, .gone): event = ("vm_gone", "the backend no longer has this VM")
            case (.running, .stopped): event = ("vm_stopped", "stopped")
            default: event = nil
            }
            guard let event else { return }
            let lifecycle = LifecycleEvent(at: Date(), kind: event.kind, allocationID: id, backend: b)
            let other = [("dns_aaaa", checks.dns)]
            """)
        #expect(Self.kinds(findings) == ["vm_gone@lifecycle", "vm_stopped@lifecycle"])
    }

    @Test func turnsInterpolatedKindsIntoPatterns() {
        let findings = Self.scan(
            """
            struct Ledger {
                private func audit(_ kind: String, resource: String) -> AuditEvent {
                    AuditEvent(at: now, kind: "\\(namespace).\\(kind)", allocationID: nil, userID: nil, actor: "b")
                }
                func release() { _ = audit("vm_freed", resource: r) }
                func move() { _ = audit("vm_\\(state.rawValue)", resource: r) }
            }
            let q = AuditEvent(at: now, kind: "\\(backend.name).vm_quarantined", allocationID: nil)
            """)
        let patterns = findings.filter(\.isPattern).map(\.kind).sorted()
        #expect(patterns == ["*.*", "*.vm_*", "*.vm_freed", "*.vm_quarantined"])
        #expect(EventKindScanner.unregistered(findings).isEmpty)
    }

    /// The point of the scan: a new literal kind in a new call fails until it is registered.
    @Test func reportsAKindTheRegistryLacksOrFilesUnderTheWrongCategory() {
        let findings = Self.scan(
            """
            func brandNew() {
                let a = AuditEvent(at: now, kind: "brand.new_kind", allocationID: nil, userID: nil, actor: "x")
                let b = LifecycleEvent(at: now, kind: "order.created", allocationID: nil, backend: "x")
                let c = AuditEvent(at: now, kind: "\\(ns).vm_exploded", allocationID: nil, userID: nil, actor: "x")
                let d = AuditEvent(at: now, kind: "order.created", allocationID: nil, userID: nil, actor: "x")
            }
            """, path: "Sources/Host/New.swift")
        let problems = EventKindScanner.unregistered(findings)
        #expect(problems.count == 3, "\(problems)")
        #expect(problems.contains { $0.contains("Sources/Host/New.swift:2") && $0.contains("'brand.new_kind'") })
        #expect(problems.contains { $0.contains(":3") && $0.contains("'order.created' (lifecycle)") })
        #expect(problems.contains { $0.contains(":4") && $0.contains("'*.vm_exploded'") })
    }
}
