import Foundation
import HTTPTypes
import Host
import HummingbirdTesting
import Logging
import SimulatedProvisioner
import Testing

/// An op is its own journal entry: authorized and `running` is committed before it touches the
/// backend, so a process killed mid-op leaves it `running`, and the next start runs it again.
@Suite(.timeLimit(.minutes(1)))
struct GateRecoveryTests {
    @Test func anOpInterruptedAfterItWasAuthorizedIsResumedAtStartAndRunsOnce() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try GateFixture.make(in: directory)
            let ref = try await fixture.strayVM("stray-1")
            // The first run: the op is requested and authorized (nonce consumed, journaled as
            // running), and the process dies before the backend call: nothing after the commit.
            let opID = try await fixture.run { dependencies, client in
                let op = try await client.requestOp("purge_orphan", target: ref, headers: fixture.adminAuth).json()
                let opID = try #require(op["op_id"] as? String)
                let stored = try #require(try await dependencies.store.operatorOp(id: opID))
                let begun = try await dependencies.store.beginOperatorOp(
                    id: opID, nonce: stored.nonce, signer: "alice@ops", now: Date(), audit: [])
                guard case .begun = begun else { throw TestFailure("not begun: \(begun)") }
                return opID
            }
            #expect(fixture.backend.liveAllocationIDs.contains("stray-1"))
            // The restart: start-up resumes it.
            let store = try SQLiteStore(path: fixture.storePath)
            try await store.migrate()
            let gate = fixture.dependencies(store: store).gate
            let resumed = try await gate.resumeInterrupted(logger: Logger(label: "test"))
            #expect(resumed.map(\.opID) == [opID])
            #expect(resumed.first?.state == .done)
            #expect(!fixture.backend.liveAllocationIDs.contains("stray-1"))
            #expect(try await store.operatorOp(id: opID)?.state == .done)
            let kinds = try await store.auditEvents(matching: .init(), limit: 50, beforeID: nil).map(\.kind)
            #expect(kinds.contains("gate.resumed"))
            #expect(kinds.filter { $0 == "gate.done" }.count == 1)
            // A second start finds nothing left to resume.
            #expect(try await gate.resumeInterrupted(logger: Logger(label: "test")).isEmpty)
            try await store.close()
        }
    }

    @Test func anOpWhoseBackendCallFailsReadsFailedAndIsNotRunAgain() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try GateFixture.make(in: directory)
            let ref = try await fixture.strayVM("stray-1")
            fixture.backend.setFaults(SimulatedFaults(failRelease: true))
            try await fixture.run { dependencies, client in
                let op = try await client.requestOp("purge_orphan", target: ref, headers: fixture.adminAuth).json()
                let opID = try #require(op["op_id"] as? String)
                let signature = try fixture.keygen.sign(try #require(op["payload"] as? String), key: fixture.alice)
                let signed = try await client.submitSignature(opID, signature: signature, headers: fixture.adminAuth)
                #expect(signed.status == .ok)
                #expect(try signed.json()["state"] as? String == "failed")
                #expect(fixture.backend.liveAllocationIDs.contains("stray-1"))
                #expect(try await dependencies.gate.resumeInterrupted(logger: Logger(label: "test")).isEmpty)
                let failed = try await dependencies.store.auditEvents(
                    matching: .init(kind: "gate.failed"), limit: 10, beforeID: nil)
                #expect(failed.count == 1)
            }
        }
    }
}
