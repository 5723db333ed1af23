import Foundation
import ProvisionerAPI

extension AllocationLifecycle {
    /// Every move the lifecycle can make, derived by asking it about every state and every input
    /// (over the record variations that change its answer), never kept beside it. The store
    /// refuses any other move.
    public static let legalMoves: [LaunchProofStatus: Set<LaunchProofStatus>] = {
        var moves: [LaunchProofStatus: Set<LaunchProofStatus>] = [:]
        for record in sampleRecords() {
            for input in sampleInputs(for: record) {
                guard let decision = try? decide(record, input, context: sampleContext) else { continue }
                if decision.next != record.state { moves[record.state, default: []].insert(decision.next) }
            }
        }
        return moves
    }()

    static let sampleContext = Context(
        now: Date(timeIntervalSince1970: 1_800_000_000), actor: "lifecycle", newOpID: "op-sample",
        leaseOwner: "sample")

    /// One record per combination of the fields the rules read.
    public static func sampleRecords() -> [AllocationRecord] {
        var records: [AllocationRecord] = []
        let plan = PlanSpec(name: "sample", priceCents: 100)
        for state in LaunchProofStatus.allCases {
            for payment in PaymentStatus.allCases {
                for releaseRequested in [false, true] {
                    for rollbackAvailable in [false, true] {
                        for teardownFailures in [0, 1] {
                            for failureCode in [nil, ProvisionerError.Code.deadlineExceeded.rawValue] {
                                var record = AllocationRecord(
                                    id: "vm-sample", userID: "user", plan: plan, backend: "sample", isDemo: true,
                                    hostname: nil, sshKeys: [], openPorts: [], metadata: [:], idempotencyKey: nil,
                                    requestFingerprint: nil, now: sampleContext.now)
                                record.state = state
                                record.paymentStatus = payment
                                record.releaseRequested = releaseRequested
                                record.rollbackAvailable = rollbackAvailable
                                record.teardownFailures = teardownFailures
                                record.failureCode = failureCode
                                record.leaseEpoch = 3
                                records.append(record)
                            }
                        }
                    }
                }
            }
        }
        return records
    }

    /// Every input, with the argument variations that change a decision.
    public static func sampleInputs(for record: AllocationRecord) -> [Input] {
        let vm = VmAllocation(allocationID: record.id, backend: record.backend, backendRef: "ref", attempt: 3)
        func sampleEntry(_ operation: JournalEntry.Operation, step: String = "started", attempt: Int? = 3)
            -> JournalEntry
        {
            JournalEntry(
                opID: "op-\(operation.rawValue)-\(step)", allocationID: record.id, backend: record.backend,
                operation: operation, step: step, startedAt: sampleContext.now, attempt: attempt)
        }
        let allocate = sampleEntry(.allocate)
        let rollback = sampleEntry(.teardown, step: JournalEntry.TeardownReason.rollback.rawValue)
        let supersede = sampleEntry(.teardown, step: JournalEntry.TeardownReason.supersede.rawValue)
        let release = sampleEntry(.release, attempt: nil)
        let openSets: [[JournalEntry]] = [[], [allocate], [rollback], [supersede], [release], [allocate, release]]
        let passed = CheckMeasurement(status: .passed, measuredAt: sampleContext.now, detail: nil)
        let failed = CheckMeasurement(status: .failed, measuredAt: sampleContext.now, detail: "no")
        let error = ProvisionerError.backendUnavailable("sample")
        let deadline = ProvisionerError(code: .deadlineExceeded, isRetryable: false, customerMessage: "late")
        var inputs: [Input] = [
            .paymentRecorded(status: "paid", reference: "r"), .paymentRecorded(status: "pending", reference: nil),
            .releaseRequested, .retryRequested, .takeOver,
            .allocateReturned(vm, entry: allocate),
            .checksMeasured(vm, LaunchChecks(dns: .notRun, ssh: passed), entry: allocate),
            .checksMeasured(vm, LaunchChecks(dns: failed, ssh: passed), entry: allocate),
            .allocateFailed(error, entry: allocate), .allocateFailed(deadline, entry: allocate),
            .finalizeFailed(vm, cause: "sample", entry: allocate),
            .releaseSucceeded(entry: release), .releaseFailed(error, entry: release), .graceExpired,
        ]
        for teardown in [rollback, supersede] {
            inputs += [.teardownSucceeded(entry: teardown), .teardownFailed(error, entry: teardown)]
        }
        for open in openSets {
            inputs += [.workClaimed(open: open), .deadlinePassed(seconds: 60, open: open)]
        }
        for power in [VmStatus.PowerState.running, .stopped, .gone, .unknown] {
            inputs.append(.statusObserved(previous: .running, current: VmStatus(powerState: power)))
            inputs.append(.statusObserved(previous: .stopped, current: VmStatus(powerState: power)))
        }
        return inputs
    }
}
