import Foundation
import HTTPTypes
import Host
import Hummingbird
import HummingbirdTesting
import Logging
import ProvisionerAPI
import SimulatedProvisioner
import Synchronization

/// A Host with the gate configured, over a SQLite file in a temporary directory (so a test can
/// restart it on the same store) and a simulated backend that outlives restarts. Its signers:
/// `alice@ops` (operational), `bob@ops` (recovery), `carol@ops` (operational, an ECDSA key);
/// `mallory` has a key no one listed.
struct GateFixture: Sendable {
    let directory: URL
    let keygen: SSHKeygen
    let alice: String
    let bob: String
    let carol: String
    let mallory: String
    let signersFile: String
    let backend: SimulatedProvisioner
    /// Seconds added to the real time by the gate's clock.
    let skew = Skew()

    var storePath: String { directory.appendingPathComponent("data/provisioner.sqlite").path }

    static func make(in directory: URL) throws -> GateFixture {
        let keygen = SSHKeygen(directory: directory)
        let alice = try keygen.key("alice")
        let bob = try keygen.key("bob")
        let carol = try keygen.key("carol", type: "ecdsa")
        let mallory = try keygen.key("mallory")
        let file = try keygen.allowedSigners([
            "alice@ops namespaces=\"provisioner-op\" \(try keygen.publicKey(alice))",
            "bob@ops namespaces=\"provisioner-op\" \(try keygen.publicKey(bob))",
            "carol@ops \(try keygen.publicKey(carol))",
        ])
        return GateFixture(
            directory: directory, keygen: keygen, alice: alice, bob: bob, carol: carol, mallory: mallory,
            signersFile: file,
            backend: SimulatedProvisioner(configuration: .init(provisionDelayMilliseconds: 0)))
    }

    /// The configuration: hermetic, with `gate:` naming the signers file and the roles.
    func configuration(converge: Bool = false) -> HostConfiguration {
        var configuration = HostConfiguration.hermeticForTests()
        configuration.launchProof.sshSmokeEnabled = false
        configuration.gate.allowedSignersFile = signersFile
        configuration.gate.roles = [.operational: ["alice@ops", "carol@ops"], .recovery: ["bob@ops"]]
        configuration.reconcile.converge = converge
        return configuration
    }

    /// Dependencies over `store`, with the fixture's clock.
    func dependencies(store: any Store, converge: Bool = false) -> HostDependencies {
        var logger = Logger(label: "test.gate")
        logger.logLevel = .warning
        var dependencies = HostDependencies(
            configuration: configuration(converge: converge), store: store, backend: backend,
            serviceToken: TestHost.serviceToken, adminSecret: TestHost.adminSecret,
            dashboardSecret: TestHost.dashboardSecret, logger: logger)
        let skew = skew
        dependencies.gateClock = { Date().addingTimeInterval(skew.seconds) }
        return dependencies
    }

    /// Opens (or reopens) the store file, runs the app over it, closes the store: one "run" of the Host.
    func run<T: Sendable>(
        converge: Bool = false, _ body: @escaping @Sendable (HostDependencies, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let store = try SQLiteStore(path: storePath)
        try await store.migrate()
        let dependencies = dependencies(store: store, converge: converge)
        do {
            let result = try await buildApplication(dependencies).test(.router) { client in
                try await body(dependencies, client)
            }
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// A VM the backend holds with no allocation behind it (nothing in the journal says where it
    /// came from: purging it is destructive). Returns its backend ref.
    func strayVM(_ id: String) async throws -> String {
        let vm = try await backend.allocate(
            AllocationRequest(allocationID: id, userID: "nobody", plan: PlanSpec(name: "small")),
            logger: Logger(label: "test"))
        return vm.backendRef ?? id
    }

    var adminAuth: HTTPFields { [.authorization: "Bearer \(TestHost.adminSecret)"] }
}

extension TestClientProtocol {
    /// `POST /admin/ops` for `op` on `target`.
    func requestOp(_ op: String, target: String, params: String = "{}", headers: HTTPFields) async throws
        -> TestResponse
    {
        try await post(
            "/admin/ops", json: #"{"op":"\#(op)","target":"\#(target)","params":\#(params)}"#, headers: headers)
    }

    /// `POST /admin/ops/{op_id}/signature` with the armored signature and, when given, the signed bytes.
    func submitSignature(_ opID: String, signature: String, payload: String? = nil, headers: HTTPFields)
        async throws -> TestResponse
    {
        var fields: [String: String] = ["signature": signature]
        fields["payload"] = payload
        let body = String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
        return try await post("/admin/ops/\(opID)/signature", json: body, headers: headers)
    }
}

/// A clock offset shared by a test and the Host it runs.
final class Skew: Sendable {
    private let value = Mutex<TimeInterval>(0)  // the only mutable state
    var seconds: TimeInterval {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
