import Foundation
import Host
import ProvisionerAPI
import Testing

/// The lifecycle decided without I/O: every state x every input (over the record variations the
/// rules read), checked for the properties every decision must have, plus the moves that matter
/// spelled out one by one.
struct AllocationLifecycleTests {
    static let context = AllocationLifecycle.Context(
        now: Date(timeIntervalSince1970: 1_800_000_000), actor: "test", newOpID: "op-new", leaseOwner: "tester")

    /// The inputs only a lease holder (a worker, reconcile, recovery) gives.
    static func isWorkerInput(_ input: AllocationLifecycle.Input) -> Bool {
        switch input {
        case .paymentRecorded, .releaseRequested, .retryRequested, .statusObserved: false
        default: true
        }
    }

    static func begun(_ decision: AllocationLifecycle.Decision) -> [JournalEntry] {
        decision.journal.compactMap { if case .begin(let entry) = $0 { entry } else { nil } }
    }

    static func finished(_ decision: AllocationLifecycle.Decision) -> [String: String] {
        var result: [String: String] = [:]
        for mutation in decision.journal {
            if case .finish(let opID, let outcome) = mutation { result[opID] = outcome }
        }
        return result
    }

    @Test(arguments: LaunchProofStatus.allCases)
    func everyDecisionFromThisStateKeepsTheRules(state: LaunchProofStatus) throws {
        var decided = 0
        for record in AllocationLifecycle.sampleRecords() where record.state == state {
            for input in AllocationLifecycle.sampleInputs(for: record) {
                let decision: AllocationLifecycle.Decision
                do {
                    decision = try AllocationLifecycle.decide(record, input, context: Self.context)
                } catch let error as ProvisionerError {
                    #expect(error.code == .stateConflict, "\(state) \(input): \(error)")
                    continue
                }
                decided += 1
                let label = "\(state) rr=\(record.releaseRequested) td=\(record.teardownFailures) \(input)"
                #expect(decision.next == (decision.change.state ?? record.state), "\(label)")
                #expect(decision.from == [record.state], "\(label)")
                if decision.next != record.state {
                    #expect(record.state.canMove(to: decision.next), "\(label)")
                }
                // Worker decisions are fenced by the holder's epoch; the API's are not.
                #expect(decision.fenced == Self.isWorkerInput(input), "\(label)")
                // At most one journal entry begins per decision, and every backend call is journaled
                // before it runs: begun here, or an entry left open that is run again.
                let begun = Self.begun(decision)
                #expect(begun.count <= 1, "\(label)")
                switch decision.effect {
                case .callAllocate(let entry), .callRelease(_, let entry):
                    #expect(begun == [entry], "\(label)")
                case .tearDown(let target, let entry):
                    var reRun = false
                    if case .workClaimed(let open) = input { reRun = open.contains(entry) }
                    #expect(begun == [entry] || reRun, "\(label)")
                    #expect(entry.operation == .teardown, "\(label)")
                    #expect(target.attempt == entry.attempt, "\(label)")
                case .runLaunchChecks:
                    #expect(begun.isEmpty, "\(label)")
                case .none:
                    #expect(begun.isEmpty, "\(label)")
                }
                // The API's inputs never call a backend.
                if !Self.isWorkerInput(input) { #expect(decision.effect == .none, "\(label)") }
                // rollback_available turns true only when no teardown is pending or begun.
                if decision.change.rollbackAvailable == true {
                    #expect(decision.change.teardownFailures == 0, "\(label)")
                    #expect(begun.allSatisfy { $0.operation != .teardown }, "\(label)")
                }
                // A failed teardown stays open.
                if case .teardownFailed(_, let entry) = input {
                    #expect(Self.finished(decision)[entry.opID] == nil, "\(label)")
                    #expect(decision.change.teardownFailures == record.teardownFailures + 1, "\(label)")
                }
                // Released is terminal.
                if record.state == .released { #expect(decision.next == .released, "\(label)") }
            }
        }
        #expect(decided > 0)
    }

    @Test func theLegalMoveTableIsDerivedFromTheDecisions() {
        var moves: [LaunchProofStatus: Set<LaunchProofStatus>] = [:]
        for record in AllocationLifecycle.sampleRecords() {
            for input in AllocationLifecycle.sampleInputs(for: record) {
                guard let decision = try? AllocationLifecycle.decide(record, input, context: Self.context),
                    decision.next != record.state
                else { continue }
                moves[record.state, default: []].insert(decision.next)
            }
        }
        for state in LaunchProofStatus.allCases {
            #expect(state.allowedNext == (moves[state] ?? []), "\(state)")
        }
        #expect(LaunchProofStatus.released.allowedNext.isEmpty)
    }
}
