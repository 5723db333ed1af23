import Foundation
import Host
import ProvisionerAPI
import Testing

/// The moves that carry the lifecycle's promises, one by one.
struct AllocationLifecycleMovesTests {
    static let context = AllocationLifecycleTests.context

    static func record(
        _ state: LaunchProofStatus, releaseRequested: Bool = false, rollbackAvailable: Bool = false,
        teardownFailures: Int = 0, payment: PaymentStatus = .paid
    ) -> AllocationRecord {
        var record = AllocationRecord(
            id: "vm-1", userID: "u", plan: PlanSpec(name: "small", priceCents: 500), backend: "simulated",
            isDemo: true, hostname: nil, sshKeys: [], openPorts: [], metadata: [:], idempotencyKey: nil,
            requestFingerprint: nil, now: context.now)
        record.state = state
        record.paymentStatus = payment
        record.releaseRequested = releaseRequested
        record.rollbackAvailable = rollbackAvailable
        record.teardownFailures = teardownFailures
        record.leaseEpoch = 7
        return record
    }

    static func entry(_ operation: JournalEntry.Operation, step: String = "started", attempt: Int? = 7)
        -> JournalEntry
    {
        JournalEntry(
            opID: "op-\(operation.rawValue)", allocationID: "vm-1", backend: "simulated", operation: operation,
            step: step, startedAt: context.now, attempt: attempt)
    }

    static func decide(_ record: AllocationRecord, _ input: AllocationLifecycle.Input) throws
        -> AllocationLifecycle.Decision
    {
        try AllocationLifecycle.decide(record, input, context: context)
    }

    static let vm = VmAllocation(allocationID: "vm-1", backend: "simulated", backendRef: "sim-1", attempt: 7)

    @Test func aClaimedPaidOrderStartsAnAttemptTaggedWithItsEpoch() throws {
        let decision = try Self.decide(Self.record(.paid), .workClaimed(open: []))
        #expect(decision.next == .provisioning)
        guard case .callAllocate(let entry) = decision.effect else {
            Issue.record("expected callAllocate, got \(decision.effect)")
            return
        }
        #expect(entry.attempt == 7)
        #expect(decision.change.incrementAttempts)
    }

    @Test func checksDecideProvisionedOrDegradedAndARequestedReleaseFollowsAtOnce() throws {
        let passed = CheckMeasurement(status: .passed, measuredAt: Self.context.now)
        let failed = CheckMeasurement(status: .failed, measuredAt: Self.context.now, detail: "no AAAA")
        let entry = Self.entry(.allocate)
        let good = try Self.decide(
            Self.record(.provisioning), .checksMeasured(Self.vm, .init(dns: passed, ssh: passed), entry: entry))
        #expect(good.next == .provisioned)
        #expect(good.change.lease == .clear)
        let bad = try Self.decide(
            Self.record(.provisioning), .checksMeasured(Self.vm, .init(dns: failed, ssh: passed), entry: entry))
        #expect(bad.next == .degraded)
        let released = try Self.decide(
            Self.record(.provisioning, releaseRequested: true),
            .checksMeasured(Self.vm, .init(dns: passed, ssh: passed), entry: entry))
        #expect(released.next == .releasing)
        guard case .callRelease(let target, _) = released.effect else {
            Issue.record("expected callRelease, got \(released.effect)")
            return
        }
        #expect(target.attempt == nil)  // a release removes everything the allocation holds
    }

    @Test func aFailedAttemptIsRolledBackThroughAJournaledTeardownOfThatAttemptOnly() throws {
        let failing = try Self.decide(
            Self.record(.provisioning), .allocateFailed(.backendUnavailable("x"), entry: Self.entry(.allocate)))
        #expect(failing.next == .provisioning)
        guard case .tearDown(let target, let teardown) = failing.effect else {
            Issue.record("expected tearDown, got \(failing.effect)")
            return
        }
        #expect(target.attempt == 7)
        #expect(target.backendRef == nil)
        #expect(failing.journal.contains(.begin(teardown)))
        #expect(failing.journal.contains(.finish(opID: "op-allocate", outcome: "failed")))

        let done = try Self.decide(Self.record(.provisioning), .teardownSucceeded(entry: teardown))
        #expect(done.next == .rolledBack)
        #expect(done.change.rollbackAvailable == true)

        let stuck = try Self.decide(Self.record(.provisioning), .teardownFailed(.timeout("x"), entry: teardown))
        #expect(stuck.next == .failed)
        #expect(stuck.change.teardownFailures == 1)
        #expect(stuck.change.rollbackAvailable == false)
        #expect(!stuck.journal.contains(.finish(opID: teardown.opID, outcome: "succeeded")))
        #expect(stuck.events.map(\.kind) == ["teardown_pending"])
    }

    @Test func aPendingTeardownIsRunAgainAndThenAllowsARetry() throws {
        let teardown = Self.entry(.teardown, step: "rollback")
        let pending = Self.record(.failed, teardownFailures: 2)
        let again = try Self.decide(pending, .workClaimed(open: [teardown]))
        #expect(
            again.effect
                == .tearDown(
                    VmAllocation(allocationID: "vm-1", backend: "simulated", attempt: 7),
                    entry: teardown))
        #expect(throws: ProvisionerError.self) { try Self.decide(pending, .retryRequested) }
        let finished = try Self.decide(pending, .teardownSucceeded(entry: teardown))
        #expect(finished.next == .failed)
        #expect(finished.change.teardownFailures == 0)
        #expect(finished.change.rollbackAvailable == true)
        #expect(finished.events.map(\.kind) == ["teardown_finished"])
    }

    @Test func anUnfinishedAttemptIsSupersededByATeardownBeforeANewAttempt() throws {
        let old = Self.entry(.allocate, attempt: 5)
        let superseding = try Self.decide(Self.record(.provisioning), .workClaimed(open: [old]))
        guard case .tearDown(let target, let teardown) = superseding.effect else {
            Issue.record("expected tearDown, got \(superseding.effect)")
            return
        }
        #expect(target.attempt == 5)
        #expect(teardown.step == "supersede")
        #expect(superseding.journal.contains(.finish(opID: old.opID, outcome: "superseded")))
        let next = try Self.decide(Self.record(.provisioning), .teardownSucceeded(entry: teardown))
        guard case .callAllocate(let attempt) = next.effect else {
            Issue.record("expected callAllocate, got \(next.effect)")
            return
        }
        #expect(attempt.attempt == 7)
    }

    @Test func aDeadlineTakesOverWithANewEpochAndTearsDown() throws {
        let open = Self.entry(.allocate, attempt: 7)
        let decision = try Self.decide(Self.record(.provisioning), .deadlinePassed(seconds: 60, open: [open]))
        #expect(decision.next == .failed)
        #expect(decision.change.failureCode == "deadline_exceeded")
        #expect(decision.change.lease == .claim(owner: "tester", expiresAt: Self.context.now.addingTimeInterval(300)))
        #expect(decision.fenced)
        guard case .tearDown(let target, _) = decision.effect else {
            Issue.record("expected tearDown, got \(decision.effect)")
            return
        }
        #expect(target.attempt == 7)
    }

    @Test func theAPIsInputs() throws {
        #expect(
            try Self.decide(
                Self.record(.paymentRequired, payment: .paymentRequired),
                .paymentRecorded(status: "paid", reference: "r")
            ).next == .paid)
        #expect(
            try Self.decide(
                Self.record(.paymentRequired, payment: .paymentRequired),
                .paymentRecorded(status: "pending", reference: nil)
            ).next == .paymentRequired)
        #expect(try Self.decide(Self.record(.provisioned), .releaseRequested).next == .releasing)
        #expect(try Self.decide(Self.record(.provisioning), .releaseRequested).change.releaseRequested == true)
        #expect(try Self.decide(Self.record(.released), .releaseRequested).isNoOp)
        let retry = try Self.decide(Self.record(.rolledBack, rollbackAvailable: true), .retryRequested)
        #expect(retry.next == .paid)
        #expect(retry.change.lease == .claim(owner: "tester", expiresAt: Self.context.now.addingTimeInterval(300)))
        #expect(throws: ProvisionerError.self) { try Self.decide(Self.record(.failed), .retryRequested) }
        let gone = try Self.decide(
            Self.record(.provisioned), .statusObserved(previous: .running, current: VmStatus(powerState: .gone)))
        #expect(gone.next == .failed)
        #expect(gone.change.failureCode == "vm_gone")
        #expect(!gone.fenced)
    }

    @Test func aStaleBackendOutcomeIsRefused() {
        #expect(throws: ProvisionerError.self) {
            try Self.decide(
                Self.record(.released),
                .checksMeasured(
                    Self.vm, .init(dns: .notRun, ssh: .notRun), entry: Self.entry(.allocate)))
        }
        #expect(throws: ProvisionerError.self) {
            try Self.decide(Self.record(.provisioned), .releaseSucceeded(entry: Self.entry(.release)))
        }
    }
}

extension AllocationLifecycleMovesTests {
    @Test func aPassedGraceBeginsAJournaledTeardownOfTheKeptVMOnlyWhenReleased() throws {
        let released = Self.record(.released)
        let decision = try Self.decide(released, .graceExpired)
        #expect(decision.next == .released)
        #expect(decision.fenced)
        #expect(decision.events.map(\.kind) == ["grace_expired"])
        guard case .tearDown(let target, let entry) = decision.effect else {
            Issue.record("expected tearDown, got \(decision.effect)")
            return
        }
        #expect(target.attempt == nil)
        #expect(entry.operation == .teardown)
        #expect(entry.step == "grace_expired")
        #expect(decision.journal == [.begin(entry)])
        #expect(try Self.decide(Self.record(.provisioned), .graceExpired).isNoOp)
    }
}
