import ProvisionerAPI
import Testing

@testable import Host

struct NewOrderTests {
    /// An order that must be refused, and the text its error must contain.
    struct InvalidOrder: Sendable, CustomTestStringConvertible {
        var name: String
        var order: NewOrder
        var messageContains: String
        var testDescription: String { name }
    }

    static let invalidOrders: [InvalidOrder] = [
        InvalidOrder(
            name: "bad user_id", order: NewOrder(userID: "bad user!", plan: "trial"), messageContains: "user_id"),
        InvalidOrder(
            name: "empty user_id", order: NewOrder(userID: "", plan: "trial"), messageContains: "user_id"),
        InvalidOrder(
            name: "unknown plan lists the plans", order: NewOrder(userID: "u1", plan: "huge"),
            messageContains: "plan 'huge' does not exist; available plans: small, trial."),
        InvalidOrder(
            name: "blocked port", order: NewOrder(userID: "u1", plan: "trial", openPorts: [25]),
            messageContains: "open_ports[0] = 25 is blocked"),
        InvalidOrder(
            name: "blocked port later in the list", order: NewOrder(userID: "u1", plan: "trial", openPorts: [22, 587]),
            messageContains: "open_ports[1] = 587 is blocked"),
        InvalidOrder(
            name: "port out of range", order: NewOrder(userID: "u1", plan: "trial", openPorts: [70000]),
            messageContains: "open_ports[0] = 70000 is not a port"),
        InvalidOrder(
            name: "bad ssh key",
            order: NewOrder(userID: "u1", plan: "trial", sshKeys: ["ssh-ed25519 AAAA", "hunter2"]),
            messageContains: "ssh_keys[1]"),
        InvalidOrder(
            name: "ssh key with a newline",
            order: NewOrder(userID: "u1", plan: "trial", sshKeys: ["ssh-ed25519 AAAA\nssh-rsa BBBB"]),
            messageContains: "ssh_keys[0]"),
        InvalidOrder(
            name: "bad hostname", order: NewOrder(userID: "u1", plan: "trial", hostname: "-bad-.example"),
            messageContains: "hostname"),
        InvalidOrder(
            name: "hostname with an underscore", order: NewOrder(userID: "u1", plan: "trial", hostname: "a_b.example"),
            messageContains: "hostname"),
        InvalidOrder(
            name: "user_id with a trailing newline", order: NewOrder(userID: "u1\n", plan: "trial"),
            messageContains: "user_id"),
        InvalidOrder(
            name: "empty forge_id", order: NewOrder(userID: "u1", plan: "trial", forgeID: ""),
            messageContains: "forge_id"),
        InvalidOrder(
            name: "forge_id over 200 characters",
            order: NewOrder(userID: "u1", plan: "trial", forgeID: String(repeating: "f", count: 201)),
            messageContains: "forge_id must be 1-200 bytes (UTF-8) of printable characters"),
        InvalidOrder(
            name: "forge_id with a control character",
            order: NewOrder(userID: "u1", plan: "trial", forgeID: "gh:1\u{7}"), messageContains: "forge_id"),
        InvalidOrder(
            name: "forge_id with a newline", order: NewOrder(userID: "u1", plan: "trial", forgeID: "gh:1\ngh:2"),
            messageContains: "forge_id"),
    ]

    @Test(.timeLimit(.minutes(1)), arguments: invalidOrders)
    func invalidOrderIsRefusedNamingTheField(_ invalid: InvalidOrder) async throws {
        try await ServiceHarness.with { harness in
            let error = try await #require(throws: ProvisionerError.self) {
                try await harness.orders.createOrder(
                    invalid.order, idempotencyKey: nil, requestID: nil, logger: harness.logger)
            }
            #expect(error.code == .invalidRequest)
            #expect(error.isRetryable == false)
            #expect(error.customerMessage.contains(invalid.messageContains), "\(error.customerMessage)")
            #expect(try await harness.store.allocations(userID: invalid.order.userID).isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func validOrderKeepsEveryField() async throws {
        try await ServiceHarness.with { harness in
            let order = NewOrder(
                userID: "team.blue@example:42", plan: "small", hostname: "web-1.example.org",
                sshKeys: ["ssh-ed25519 AAAAC3Nza user@host", "ecdsa-sha2-nistp256 AAAAE2 x"], openPorts: [22, 443],
                metadata: ["env": "prod"])
            let (record, replayed) = try await harness.orders.createOrder(
                order, idempotencyKey: nil, requestID: "req-1", logger: harness.logger)
            #expect(!replayed)
            #expect(record.id.hasPrefix("vm-"))
            #expect(record.userID == order.userID)
            #expect(record.plan == "small")
            #expect(record.priceCents == 500)
            #expect(record.hostname == "web-1.example.org")
            #expect(record.sshKeys == order.sshKeys)
            #expect(record.openPorts == [22, 443])
            #expect(record.metadata == ["env": "prod"])
            #expect(record.backend == "simulated")
            #expect(record.isDemo)
            let events = try await harness.store.auditEvents(allocationID: record.id)
            #expect(events.map(\.kind) == ["order.created"])
            #expect(events.first?.requestID == "req-1")
        }
    }

    @Test func fingerprintWithoutForgeIDIsUnchanged() {
        // The fingerprint orders were stored with before `forge_id` existed: replays must still match.
        let order = NewOrder(userID: "u1", plan: "small", hostname: "a.example", openPorts: [22])
        #expect(
            order.fingerprint
                == #"{"hostname":"a.example","metadata":{},"openPorts":[22],"plan":"small","sshKeys":[],"userID":"u1"}"#
        )
        var withForge = order
        withForge.forgeID = "gh:42"
        #expect(withForge.fingerprint != order.fingerprint)
        #expect(withForge.fingerprint.contains(#""forgeID":"gh:42""#))
    }

    @Test(.timeLimit(.minutes(1)))
    func forgeIDIsStoredAndKeptByLaterOrdersWithoutOne() async throws {
        try await ServiceHarness.with { harness in
            let logger = harness.logger
            _ = try await harness.orders.createOrder(
                NewOrder(userID: "u1", plan: "trial", forgeID: "gh:42 (Ünïcode ok)"), idempotencyKey: nil,
                requestID: nil, logger: logger)
            #expect(try await harness.store.user(id: "u1")?.forgeID == "gh:42 (Ünïcode ok)")
            _ = try await harness.orders.createOrder(
                NewOrder(userID: "u1", plan: "trial"), idempotencyKey: nil, requestID: nil, logger: logger)
            #expect(try await harness.orders.forgeID(userID: "u1") == "gh:42 (Ünïcode ok)")
            _ = try await harness.orders.createOrder(
                NewOrder(userID: "u2", plan: "trial"), idempotencyKey: nil, requestID: nil, logger: logger)
            let u2 = try #require(try await harness.store.user(id: "u2"))
            #expect(u2.forgeID == nil)
        }
    }
}
