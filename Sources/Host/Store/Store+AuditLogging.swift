public import Logging

extension Store {
    /// Appends audit events outside a transition and never throws: when the store refuses them,
    /// each event is logged at `warning` (kind, allocation, error) instead of being dropped silently.
    ///
    /// For writes that must not fail the caller's work (a note after the fact). When the event
    /// belongs to a state change, write it in that change's transition instead.
    /// - Parameters:
    ///   - events: The events to append, in order.
    ///   - logger: Where a refused write is reported.
    /// - Returns: Whether the events were stored.
    @discardableResult
    public func appendAuditLogging(_ events: [AuditEvent], logger: Logger) async -> Bool {
        guard !events.isEmpty else { return true }
        do {
            try await appendAudit(events)
            return true
        } catch {
            logger.eventsNotRecorded(audit: events, error: error)
            return false
        }
    }

    /// Appends lifecycle events and never throws: when the store refuses them, each event is
    /// logged at `warning` (kind, allocation, error) instead of being dropped silently.
    /// - Parameters:
    ///   - events: The events to append, in order.
    ///   - logger: Where a refused write is reported.
    /// - Returns: Whether the events were stored.
    @discardableResult
    public func appendEventsLogging(_ events: [LifecycleEvent], logger: Logger) async -> Bool {
        guard !events.isEmpty else { return true }
        do {
            try await appendEvents(events)
            return true
        } catch {
            logger.eventsNotRecorded(events: events, error: error)
            return false
        }
    }
}

extension Logger {
    /// Logs, at `warning`, each event a store write failed to record, with its kind, allocation,
    /// user, detail and the error: the one way the Host reports an audit or lifecycle write it
    /// lost (used by ``Store/appendAuditLogging(_:logger:)`` and by callers that rethrow).
    /// - Parameters:
    ///   - audit: The audit events that were not written.
    ///   - events: The lifecycle events that were not written.
    ///   - error: Why the write failed.
    public func eventsNotRecorded(audit: [AuditEvent] = [], events: [LifecycleEvent] = [], error: any Error) {
        for event in audit {
            var metadata: Metadata = [
                "event.category": "audit", "event.kind": "\(event.kind)", "event.actor": "\(event.actor)",
                "error": "\(error)",
            ]
            metadata["allocation.id"] = event.allocationID.map { "\($0)" }
            metadata["user.id"] = event.userID.map { "\($0)" }
            metadata["request.id"] = event.requestID.map { "\($0)" }
            metadata["event.detail"] = event.detail.map { "\($0)" }
            warning("an audit event could not be recorded", metadata: metadata)
        }
        for event in events {
            var metadata: Metadata = [
                "event.category": "lifecycle", "event.kind": "\(event.kind)", "backend.name": "\(event.backend)",
                "error": "\(error)",
            ]
            metadata["allocation.id"] = event.allocationID.map { "\($0)" }
            metadata["vm.ref"] = event.backendRef.map { "\($0)" }
            metadata["event.detail"] = event.detail.map { "\($0)" }
            warning("a lifecycle event could not be recorded", metadata: metadata)
        }
    }
}
