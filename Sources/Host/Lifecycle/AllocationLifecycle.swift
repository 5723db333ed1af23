public import Foundation
public import ProvisionerAPI

/// What happens to an allocation, decided in one place (DESIGN.md section 8).
///
/// Given the record as stored and an input (a request, a backend result, an observation), it
/// returns one ``Decision``: the next state, the one change to commit, the journal mutations,
/// audit and lifecycle events committed in the same transaction, and the effect to run after
/// the commit. It does no I/O. The order, provisioning, reconcile and recovery services only
/// execute its decisions, and the store's legal-move table is derived from it
/// (``legalMoves``), so no other code decides a state.
public struct AllocationLifecycle: Sendable {
    /// What a decision depends on besides the record and the input.
    public struct Context: Sendable {
        /// The time of the decision.
        public var now: Date
        /// Who acts: `service` (the API), `provisioner` (a worker), `reconcile`, `recovery`.
        public var actor: String
        /// The API request behind the input, if any.
        public var requestID: String?
        /// The op id a journal entry begun by this decision gets.
        public var newOpID: String
        /// The owner a claim made by this decision sets.
        public var leaseOwner: String
        /// How long a claim made by this decision lasts.
        public var leaseSeconds: TimeInterval
        /// How long a failed release waits before it is tried again.
        public var releaseRetryDelay: TimeInterval
        /// How long a failed teardown waits before its first retry; doubled per failure.
        public var teardownRetryBase: TimeInterval
        /// The longest wait between two teardown retries.
        public var teardownRetryMax: TimeInterval
        /// A worker slot the executor holds: a decision that leaves work for a worker also claims
        /// it for that worker and, where one commit may, begins the work (``HandOff``).
        public var handOff: HandOff?

        public init(
            now: Date = Date(), actor: String, requestID: String? = nil,
            newOpID: String = UUID().uuidString.lowercased(), leaseOwner: String = "", leaseSeconds: TimeInterval = 300,
            releaseRetryDelay: TimeInterval = 30, teardownRetryBase: TimeInterval = 30,
            teardownRetryMax: TimeInterval = 3600, handOff: HandOff? = nil
        ) {
            self.now = now
            self.actor = actor
            self.requestID = requestID
            self.newOpID = newOpID
            self.leaseOwner = leaseOwner
            self.leaseSeconds = leaseSeconds
            self.releaseRetryDelay = releaseRetryDelay
            self.teardownRetryBase = teardownRetryBase
            self.teardownRetryMax = teardownRetryMax
            self.handOff = handOff
        }
    }

    /// Something that happened to, or was asked of, an allocation.
    public enum Input: Sendable {
        /// The onboarding service reported a payment status (only `paid` pays).
        case paymentRecorded(status: String, reference: String?)
        /// The onboarding service asked for the VM to be released.
        case releaseRequested
        /// The onboarding service asked to retry a failed launch that left nothing behind.
        case retryRequested
        /// A worker (or recovery, or reconcile) claimed the allocation; `open` are its journal
        /// entries that were begun and never finished.
        case workClaimed(open: [JournalEntry])
        /// A takeover of an allocation whose lease is free or expired (recovery, reconcile).
        case takeOver
        /// `allocate` returned a VM.
        case allocateReturned(VmAllocation, entry: JournalEntry)
        /// The launch checks of a returned VM were measured.
        case checksMeasured(VmAllocation, LaunchChecks, entry: JournalEntry)
        /// `allocate` failed (whatever the attempt created must be torn down).
        case allocateFailed(ProvisionerError, entry: JournalEntry)
        /// The commit of a successful `allocate` failed.
        case finalizeFailed(VmAllocation, cause: String, entry: JournalEntry)
        /// A teardown removed everything it was for.
        case teardownSucceeded(entry: JournalEntry)
        /// A teardown failed.
        case teardownFailed(ProvisionerError, entry: JournalEntry)
        /// `release` of the delivered VM succeeded.
        case releaseSucceeded(entry: JournalEntry)
        /// `release` of the delivered VM failed.
        case releaseFailed(ProvisionerError, entry: JournalEntry)
        /// A transient state outlived its deadline; `open` are the allocation's open entries.
        case deadlinePassed(seconds: Int, open: [JournalEntry])
        /// Reconcile read the backend's status of a delivered VM.
        case statusObserved(previous: VmStatus.PowerState, current: VmStatus)
        /// The grace period of a released VM the backend kept has passed: destroy it (journaled).
        case graceExpired
    }

    /// The launch checks of a VM, as measured.
    public struct LaunchChecks: Sendable, Equatable {
        public var dns: CheckMeasurement
        public var ssh: CheckMeasurement

        public init(dns: CheckMeasurement, ssh: CheckMeasurement) {
            self.dns = dns
            self.ssh = ssh
        }
    }

    /// What to do after a decision was committed.
    public enum Effect: Sendable, Equatable {
        /// Nothing.
        case none
        /// Call the backend's `allocate` for the attempt of `entry`.
        case callAllocate(entry: JournalEntry)
        /// Measure DNS AAAA and the SSH banner of the returned VM.
        case runLaunchChecks(VmAllocation, entry: JournalEntry)
        /// Call the backend's `release` for the delivered VM.
        case callRelease(VmAllocation, entry: JournalEntry)
        /// Remove what an attempt created (`release` of `target`, whose attempt scopes it).
        case tearDown(VmAllocation, entry: JournalEntry)
    }

    /// The outcome of one input: what to commit and what to run afterwards.
    public struct Decision: Sendable {
        /// The states the commit may start from (a compare-and-set).
        public var from: Set<LaunchProofStatus>
        /// The state after the commit.
        public var next: LaunchProofStatus
        /// The row change.
        public var change = AllocationChange()
        /// Journal entries begun or finished in the same transaction.
        public var journal: [JournalMutation] = []
        /// Audit events written in the same transaction.
        public var audit: [AuditEvent] = []
        /// Lifecycle events written in the same transaction.
        public var events: [LifecycleEvent] = []
        /// A backend's claim-ledger writes committed in the same transaction (a prepared release,
        /// ``ReleasePreparing``); never decided by the rules, attached by the executor that ran
        /// the effect.
        public var claims: [ClaimWrite] = []
        /// What to run once committed.
        public var effect: Effect = .none
        /// Whether the commit is conditional on the lease epoch the executor holds (worker writes).
        public var fenced: Bool

        init(record: AllocationRecord, fenced: Bool) {
            self.from = [record.state]
            self.next = record.state
            self.fenced = fenced
        }

        /// Whether anything is written to the allocation's row or journal (else only events are).
        public var writesRow: Bool { !change.isEmpty || !journal.isEmpty || !claims.isEmpty }
        /// Whether nothing at all is written.
        public var isNoOp: Bool { !writesRow && audit.isEmpty && events.isEmpty }

        /// Moves to `state` with its standard customer message.
        mutating func move(to state: LaunchProofStatus) {
            next = state
            change.state = state
            change.customerMessage = CustomerMessages.text(for: state)
        }
    }

    /// Decides what `input` does to `record`.
    ///
    /// - Throws: ``ProvisionerError`` `state_conflict` when the input is not allowed in the
    ///   record's state (nothing is written).
    public static func decide(_ record: AllocationRecord, _ input: Input, context: Context) throws -> Decision {
        let rules = Rules(record: record, context: context)
        try rules.requireState(for: input)
        let decision = try rules.decide(input)
        return rules.handingOff(decision) ?? decision
    }
}

extension AllocationLifecycle.Rules {
    /// The decision for `input`, before any hand-off.
    func decide(_ input: AllocationLifecycle.Input) throws -> AllocationLifecycle.Decision {
        switch input {
        case .paymentRecorded(let status, let reference): return try paymentRecorded(status, reference)
        case .releaseRequested: return releaseRequested()
        case .retryRequested: return try retryRequested()
        case .workClaimed(let open): return workClaimed(open: open.filter(\.isOpen))
        case .takeOver: return takeOver()
        case .allocateReturned(let vm, let entry): return allocateReturned(vm, entry)
        case .checksMeasured(let vm, let checks, let entry): return checksMeasured(vm, checks, entry)
        case .allocateFailed(let error, let entry): return allocateFailed(error, entry)
        case .finalizeFailed(let vm, let cause, let entry): return finalizeFailed(vm, cause, entry)
        case .teardownSucceeded(let entry): return teardownSucceeded(entry)
        case .teardownFailed(let error, let entry): return teardownFailed(error, entry)
        case .releaseSucceeded(let entry): return releaseSucceeded(entry)
        case .releaseFailed(let error, let entry): return releaseFailed(error, entry)
        case .deadlinePassed(let seconds, let open): return deadlinePassed(seconds, open: open.filter(\.isOpen))
        case .statusObserved(let previous, let current): return statusObserved(previous, current)
        case .graceExpired: return graceExpired()
        }
    }
}
