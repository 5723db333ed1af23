public import Foundation

/// A new order as one transaction stores it (``Store/insertOrder(_:)``): its user, the row, the
/// audit and lifecycle events, and the journal entries of a first step begun in the same commit.
public struct OrderInsertion: Sendable {
    /// The user an order records (created, or its forge id set when one is given).
    public struct User: Sendable, Equatable {
        public var id: String
        /// `nil` keeps a stored forge id.
        public var forgeID: String?

        public init(id: String, forgeID: String?) {
            self.id = id
            self.forgeID = forgeID
        }
    }

    /// The row as it is stored (already claimed and started when the order was handed off).
    public var record: AllocationRecord
    /// The user upserted first, in the same transaction; `nil` for none.
    public var user: User?
    /// The paid-VM cap (0: none).
    public var maxActivePaid: Int
    /// The backend's capacity the order reserves a slot of; `nil` for none.
    public var reservation: ReservationLimit?
    public var audit: [AuditEvent]
    public var journal: [JournalMutation]
    public var events: [LifecycleEvent]

    public init(
        record: AllocationRecord, user: User? = nil, maxActivePaid: Int, reservation: ReservationLimit? = nil,
        audit: [AuditEvent], journal: [JournalMutation] = [], events: [LifecycleEvent] = []
    ) {
        self.record = record
        self.user = user
        self.maxActivePaid = maxActivePaid
        self.reservation = reservation
        self.audit = audit
        self.journal = journal
        self.events = events
    }
}

extension Store {
    /// Inserts an order with its audit event (see ``insertOrder(_:)``).
    public func insertOrder(
        _ record: AllocationRecord, maxActivePaid: Int, reservation: ReservationLimit?, audit: AuditEvent
    ) async throws -> InsertOrderOutcome {
        try await insertOrder(
            OrderInsertion(record: record, maxActivePaid: maxActivePaid, reservation: reservation, audit: [audit]))
    }
}
