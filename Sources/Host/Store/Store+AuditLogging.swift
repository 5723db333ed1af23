public import Logging

extension Store {
    /// Appends audit events outside a transition; a failure is logged at warning with each event,
    /// never dropped silently.
    public func appendAuditLogging(_ events: [AuditEvent], logger: Logger) async {
        guard !events.isEmpty else { return }
        do {
            try await appendAudit(events)
        } catch {
            for event in events {
                logger.warning(
                    "could not record an audit event",
                    metadata: [
                        "event.kind": "\(event.kind)", "allocation.id": "\(event.allocationID ?? "-")",
                        "event.detail": "\(event.detail ?? "")", "error": "\(error)",
                    ])
            }
        }
    }
}
