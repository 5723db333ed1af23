import Foundation
import HTTPTypes
import Host
import HummingbirdTesting
import SimulatedProvisioner
import Testing

/// The adversarial matrix (issue 15): every signature is made by the real `ssh-keygen -Y sign`.
@Suite(.timeLimit(.minutes(2)))
struct GateRoutesTests {
    /// One way a signature submission must be refused, with the code it must get.
    enum Refusal: String, CaseIterable, Sendable {
        case unknownSigner, expired, otherTarget, otherOp, otherParams, recoveryKeyOnDestructive, otherNamespace
        case tamperedPayload, nonEd25519Key

        var code: String {
            switch self {
            case .unknownSigner: "unknown_signer"
            case .expired: "op_expired"
            case .otherTarget, .otherOp, .otherParams: "binding_mismatch"
            case .recoveryKeyOnDestructive: "role_denied"
            case .otherNamespace, .tamperedPayload, .nonEd25519Key: "signature_invalid"
            }
        }

        /// The reason the audit detail names for the three kinds of invalid signature.
        var reason: String? {
            switch self {
            case .otherNamespace: "wrong_namespace"
            case .tamperedPayload: "bad_signature"
            case .nonEd25519Key: "unsupported_key"
            default: nil
            }
        }
    }

    @Test(arguments: Refusal.allCases)
    func aBadSignatureIsRefusedWithItsCodeAndNothingRuns(_ refusal: Refusal) async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try GateFixture.make(in: directory)
            let ref = try await fixture.strayVM("stray-1")
            try await fixture.run { dependencies, client in
                let requested = try await client.requestOp("purge_orphan", target: ref, headers: fixture.adminAuth)
                #expect(requested.status == .accepted)
                let op = try requested.json()
                let opID = try #require(op["op_id"] as? String)
                let payload = try #require(op["payload"] as? String)
                #expect(op["state"] as? String == "pending_signature")
                #expect(op["class"] as? String == "destructive")
                let keygen = fixture.keygen
                var signature: String
                var sentPayload: String? = nil
                switch refusal {
                case .unknownSigner:
                    signature = try keygen.sign(payload, key: fixture.mallory)
                case .expired:
                    signature = try keygen.sign(payload, key: fixture.alice)
                    fixture.skew.seconds = 901
                case .otherTarget:
                    sentPayload = payload.replacingOccurrences(
                        of: "\"target\":\"\(ref)\"", with: "\"target\":\"sim-999\"")
                    signature = try keygen.sign(sentPayload!, key: fixture.alice)
                case .otherOp:
                    sentPayload = payload.replacingOccurrences(
                        of: "\"op\":\"purge_orphan\"", with: "\"op\":\"decommission_pool_vm\"")
                    signature = try keygen.sign(sentPayload!, key: fixture.alice)
                case .otherParams:
                    sentPayload = payload.replacingOccurrences(
                        of: "\"params\":{}", with: "\"params\":{\"force\":\"yes\"}")
                    signature = try keygen.sign(sentPayload!, key: fixture.alice)
                case .recoveryKeyOnDestructive:
                    signature = try keygen.sign(payload, key: fixture.bob)
                case .otherNamespace:
                    signature = try keygen.sign(payload, key: fixture.alice, namespace: "file")
                case .tamperedPayload:
                    signature = try keygen.sign(payload, key: fixture.alice)
                    sentPayload = payload.replacingOccurrences(
                        of: "\"target\":\"\(ref)\"", with: "\"target\":\"sim-999\"")
                case .nonEd25519Key:
                    signature = try keygen.sign(payload, key: fixture.carol)
                }
                #expect(sentPayload != payload)
                let response = try await client.submitSignature(
                    opID, signature: signature, payload: sentPayload, headers: fixture.adminAuth)
                #expect(try response.errorCode() == refusal.code, "\(response.bodyText)")
                #expect(response.status == (refusal.code == "nonce_replayed" ? .conflict : .forbidden))
                // Nothing ran: the VM is there and the op still waits.
                #expect(fixture.backend.liveAllocationIDs.contains("stray-1"))
                let stored = try await dependencies.store.operatorOp(id: opID)
                #expect(stored?.state == .pendingSignature)
                let refused = try await dependencies.store.auditEvents(
                    matching: .init(kind: "gate.refused"), limit: 10, beforeID: nil)
                #expect(refused.count == 1)
                let detail = refused.first?.detail ?? ""
                #expect(detail.contains("code=\(refusal.code)"))
                #expect(detail.contains("credential=admin_secret"))
                if let reason = refusal.reason { #expect(detail.contains("reason=\(reason)")) }
                #expect(refused.first?.requestID != nil)
            }
        }
    }

    @Test func aValidOperationalSignatureRunsOnceAndItsReplayIsRefusedAlsoAfterARestart() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try GateFixture.make(in: directory)
            let ref = try await fixture.strayVM("stray-1")
            let (opID, signature) = try await fixture.run { dependencies, client in
                // Unsigned: pending, and nothing runs.
                let op = try await client.requestOp("purge_orphan", target: ref, headers: fixture.adminAuth).json()
                let opID = try #require(op["op_id"] as? String)
                let payload = try #require(op["payload"] as? String)
                #expect(fixture.backend.liveAllocationIDs.contains("stray-1"))
                // The payload is canonical JSON: sorted keys, no whitespace.
                #expect(payload.hasPrefix(#"{"expires_at":""#))
                #expect(!payload.contains(" "))
                let signature = try fixture.keygen.sign(payload, key: fixture.alice)
                var headers = fixture.adminAuth
                headers[.init("X-Request-ID")!] = "sign-req-1"
                let signed = try await client.submitSignature(opID, signature: signature, headers: headers)
                #expect(signed.status == .ok, "\(signed.bodyText)")
                let done = try signed.json()
                #expect(done["state"] as? String == "done")
                #expect((done["signer"] as? String)?.hasPrefix("alice@ops SHA256:") == true)
                #expect(!fixture.backend.liveAllocationIDs.contains("stray-1"))
                let allowed = try await dependencies.store.auditEvents(
                    matching: .init(kind: "gate.allowed"), limit: 10, beforeID: nil)
                #expect(allowed.count == 1)
                #expect(allowed.first?.requestID == "sign-req-1")
                #expect(allowed.first?.detail?.contains("signer=alice@ops") == true)
                #expect(allowed.first?.detail?.contains("credential=admin_secret") == true)
                let again = try await client.submitSignature(opID, signature: signature, headers: fixture.adminAuth)
                #expect(again.status == .conflict)
                #expect(try again.errorCode() == "nonce_replayed")
                let kinds = try await dependencies.store.auditEvents(matching: .init(), limit: 50, beforeID: nil)
                    .map(\.kind)
                #expect(kinds.filter { $0 == "gate.done" }.count == 1)
                return (opID, signature)
            }
            // A restarted Host on the same store refuses the replay too.
            try await fixture.run { dependencies, client in
                let replay = try await client.submitSignature(opID, signature: signature, headers: fixture.adminAuth)
                #expect(replay.status == .conflict)
                #expect(try replay.errorCode() == "nonce_replayed")
                #expect(try await dependencies.store.operatorOp(id: opID)?.state == .done)
            }
        }
    }

    @Test func unknownOpsAndRotateHostKeyAreRefusedAndTheListsShowEveryOp() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try GateFixture.make(in: directory)
            let ref = try await fixture.strayVM("stray-1")
            try await fixture.run { dependencies, client in
                for op in ["rotate_host_key", "drop_everything"] {
                    let response = try await client.requestOp(op, target: "h1", headers: fixture.adminAuth)
                    #expect(response.status == .badRequest)
                    #expect(try response.errorCode() == "unknown_op")
                }
                let missing = try await client.requestOp("purge_orphan", target: "sim-404", headers: fixture.adminAuth)
                #expect(missing.status == .notFound)
                let unauthenticated = try await client.requestOp("purge_orphan", target: ref, headers: [:])
                #expect(unauthenticated.status == .unauthorized)
                let unknownField = try await client.post(
                    "/admin/ops", json: #"{"op":"purge_orphan","target":"x","why":"y"}"#, headers: fixture.adminAuth)
                #expect(try unknownField.errorCode() == "invalid_request")
                _ = try await client.requestOp("purge_orphan", target: ref, headers: fixture.adminAuth)
                let list = try await client.execute(uri: "/admin/ops.json", method: .get, headers: fixture.adminAuth)
                let ops = try #require(try list.json()["ops"] as? [[String: Any]])
                #expect(ops.count == 1)
                #expect(ops.first?["state"] as? String == "pending_signature")
                let html = try await client.execute(uri: "/admin/ops", method: .get, headers: fixture.adminAuth)
                #expect(html.bodyText.contains("pending_signature"))
                #expect(html.bodyText.contains("purge_orphan"))
                let refused = try await dependencies.store.auditEvents(
                    matching: .init(kind: "gate.refused"), limit: 10, beforeID: nil)
                #expect(refused.count == 3)
            }
        }
    }
}
