import Foundation
import Host
import Testing

/// The gate's ops and nonces, on every store: a nonce is consumed once, by whichever store
/// instance (replica) or process run asks first.
@Suite(.timeLimit(.minutes(1)))
struct StoreOperatorOpsTests {
    /// Whole seconds: dates are stored as seconds since 1970, so a comparison after a round trip
    /// must not depend on sub-microsecond digits.
    static func pendingOp(
        _ id: String, nonce: String, at now: Date = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded())
    ) -> OperatorOp {
        OperatorOp(
            opID: id, op: "purge_orphan", target: "sim-1", params: ["why": "test"], opClass: .destructive,
            state: .pendingSignature, payload: #"{"nonce":"\#(nonce)"}"#, nonce: nonce,
            expiresAt: now.addingTimeInterval(900), requestedBy: "admin_secret", requestID: "req-1", createdAt: now,
            updatedAt: now)
    }

    @Test(arguments: StoreKind.allCases)
    func aNonceIsConsumedOnceAndAnOpRunsFromPendingToDone(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let op = Self.pendingOp("op-1", nonce: "n-1")
            try await store.insertOperatorOp(op, audit: [])
            #expect(try await store.operatorOp(id: "op-1") == op)
            #expect(try await store.operatorOps(state: .pendingSignature).map(\.opID) == ["op-1"])
            #expect(try await store.isNonceUsed("n-1") == false)
            let begun = try await store.beginOperatorOp(
                id: "op-1", nonce: "n-1", signer: "alice@ops", now: Date(), audit: [])
            guard case .begun(let running) = begun else { throw TestFailure("not begun: \(begun)") }
            #expect(running.state == .running)
            #expect(running.signer == "alice@ops")
            #expect(try await store.isNonceUsed("n-1"))
            let replayed = try await store.beginOperatorOp(
                id: "op-1", nonce: "n-1", signer: "alice@ops", now: Date(), audit: [])
            #expect(replayed == .nonceReplayed)
            #expect(
                try await store.finishOperatorOp(id: "op-1", state: .done, outcome: "purged", now: Date(), audit: []))
            #expect(
                try await store.finishOperatorOp(id: "op-1", state: .failed, outcome: "again", now: Date(), audit: [])
                    == false)
            #expect(try await store.operatorOp(id: "op-1")?.state == .done)
            #expect(try await store.operatorOp(id: "op-1")?.outcome == "purged")
            #expect(try await store.operatorOps(limit: 10).map(\.opID) == ["op-1"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anOpThatIsNotPendingConsumesNoNonce(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let missing = try await store.beginOperatorOp(
                id: "missing", nonce: "n-x", signer: "a", now: Date(), audit: [])
            #expect(missing == .notPending(nil))
            #expect(try await store.isNonceUsed("n-x") == false)
        }
    }

    @Test func aConsumedNonceStaysConsumedAfterTheSQLiteStoreIsReopened() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("data/provisioner.sqlite").path
            try await withMigratedStore(try SQLiteStore(path: path)) { store in
                try await store.insertOperatorOp(Self.pendingOp("op-1", nonce: "n-1"), audit: [])
                _ = try await store.beginOperatorOp(
                    id: "op-1", nonce: "n-1", signer: "alice@ops", now: Date(), audit: [])
            }
            try await withMigratedStore(try SQLiteStore(path: path)) { store in
                #expect(try await store.isNonceUsed("n-1"))
                let replayed = try await store.beginOperatorOp(
                    id: "op-1", nonce: "n-1", signer: "alice@ops", now: Date(), audit: [])
                #expect(replayed == .nonceReplayed)
                #expect(try await store.operatorOps(state: .running).map(\.opID) == ["op-1"])
            }
        }
    }

    @Test func twoReplicasOnOnePostgreSQLConsumeANonceOnceBetweenThem() async throws {
        try await TestPostgres.withDatabase { url in
            try await withMigratedStore(try TestPostgres.store(url: url)) { a in
                try await withMigratedStore(try TestPostgres.store(url: url)) { b in
                    for index in 0..<20 {
                        try await a.insertOperatorOp(Self.pendingOp("op-\(index)", nonce: "n-\(index)"), audit: [])
                    }
                    // Both replicas race for every op's nonce: exactly one wins each.
                    let outcomes = try await withThrowingTaskGroup(of: BeginOpOutcome.self) { group in
                        for index in 0..<20 {
                            for store in [a, b] {
                                group.addTask {
                                    try await store.beginOperatorOp(
                                        id: "op-\(index)", nonce: "n-\(index)", signer: "alice@ops", now: Date(),
                                        audit: [])
                                }
                            }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                    #expect(outcomes.filter { if case .begun = $0 { true } else { false } }.count == 20)
                    #expect(outcomes.filter { $0 == .nonceReplayed }.count == 20)
                    #expect(try await b.isNonceUsed("n-3"))
                    #expect(try await b.operatorOps(state: .running).count == 20)
                }
            }
        }
    }
}
