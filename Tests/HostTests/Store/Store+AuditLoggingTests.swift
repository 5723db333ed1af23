import Foundation
import Host
import InMemoryLogging
import Logging
import ProvisionerAPI
import Testing

/// A refused audit or lifecycle write is logged at warning with the event, never dropped silently.
@Suite(.timeLimit(.minutes(1)))
struct StoreAuditLoggingTests {
    /// Runs `body` with a logger that keeps what it logs, and a store whose tables were never
    /// created, so every write fails (or a migrated one when `failing` is false).
    private func withLoggedStore(
        failing: Bool, _ body: (SQLiteStore, Logger, InMemoryLogHandler) async throws -> Void
    ) async throws {
        let handler = InMemoryLogHandler()
        let logger = Logger(label: "test.audit-logging", factory: { _ in handler })
        let store = try SQLiteStore(path: ":memory:")
        if !failing { try await store.migrate() }
        try await body(store, logger, handler)
    }

    private static let audit = AuditEvent(
        at: Date(), kind: "payment.recorded", allocationID: "vm-1", userID: "u-1", actor: "service",
        requestID: "req-1", detail: "reference=r")

    @Test func aRefusedAuditWriteIsLoggedWithTheEventAndNotThrown() async throws {
        try await withLoggedStore(failing: true) { store, logger, handler in
            let stored = await store.appendAuditLogging([Self.audit], logger: logger)
            #expect(!stored)
            let entry = try #require(handler.entries.only)
            #expect(entry.level == .warning)
            #expect(entry.metadata["event.kind"] == "payment.recorded")
            #expect(entry.metadata["event.category"] == "audit")
            #expect(entry.metadata["allocation.id"] == "vm-1")
            #expect(entry.metadata["user.id"] == "u-1")
            #expect(entry.metadata["request.id"] == "req-1")
            #expect(entry.metadata["event.detail"] == "reference=r")
            #expect("\(entry.metadata["error"] ?? "")".contains("audit_events"))
        }
    }

    @Test func aRefusedLifecycleWriteIsLoggedWithTheEventAndNotThrown() async throws {
        try await withLoggedStore(failing: true) { store, logger, handler in
            let event = LifecycleEvent(
                at: Date(), kind: "vm_gone", allocationID: "vm-2", backend: "pool", backendRef: "ref-2")
            let stored = await store.appendEventsLogging([event, event], logger: logger)
            #expect(!stored)
            #expect(handler.entries.count == 2)
            let entry = try #require(handler.entries.first)
            #expect(entry.level == .warning)
            #expect(entry.metadata["event.kind"] == "vm_gone")
            #expect(entry.metadata["event.category"] == "lifecycle")
            #expect(entry.metadata["allocation.id"] == "vm-2")
            #expect(entry.metadata["backend.name"] == "pool")
            #expect(entry.metadata["error"] != nil)
        }
    }

    @Test func aStoredWriteLogsNothing() async throws {
        try await withLoggedStore(failing: false) { store, logger, handler in
            #expect(await store.appendAuditLogging([Self.audit], logger: logger))
            #expect(await store.appendAuditLogging([], logger: logger))
            let kinds = try await store.auditEvents(allocationID: "vm-1").map(\.kind)
            #expect(kinds == ["payment.recorded"])
            #expect(handler.entries.isEmpty)
        }
    }

    /// The ledger a pool plugin writes through: the claim change fails as before, and the audit
    /// event it carried is logged.
    @Test func aClaimChangeThatCannotBeStoredLogsItsEventAndThrows() async throws {
        try await withLoggedStore(failing: true) { store, logger, handler in
            let ledger = StoreClaimLedger(store: store, namespace: "pool", logger: logger)
            await #expect(throws: (any Error).self) {
                _ = try await ledger.setState(.quarantined, of: "vm-0", for: "a-1", note: "wipe failed")
            }
            await #expect(throws: (any Error).self) {
                _ = try await ledger.release("vm-0", for: "a-1")
            }
            #expect(handler.entries.map(\.level) == [.warning, .warning])
            #expect(handler.entries.map { $0.metadata["event.kind"] } == ["pool.vm_quarantined", "pool.vm_freed"])
            #expect(handler.entries.allSatisfy { $0.metadata["allocation.id"] == "a-1" })
            #expect(handler.entries.first?.metadata["event.detail"] == "pool VM vm-0: wipe failed")
        }
    }
}

extension Array {
    /// The one element, or `nil` when there are none or several.
    fileprivate var only: Element? { count == 1 ? first : nil }
}
