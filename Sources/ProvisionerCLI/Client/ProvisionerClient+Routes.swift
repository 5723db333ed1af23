import Foundation
import Host
import NIOHTTP1

/// The routes the `vm` and `pool` commands call, one method each.
extension ProvisionerClient {
    /// What `vm create` sends as the body of `POST /v1/vm`.
    struct Order: Sendable {
        var userID: String
        var plan: String
        var hostname: String?
        var sshKeys: [String] = []

        var json: JSONValue {
            var pairs: [(String, JSONValue)] = [("user_id", .string(userID)), ("plan", .string(plan))]
            if let hostname { pairs.append(("hostname", .string(hostname))) }
            if !sshKeys.isEmpty { pairs.append(("ssh_keys", .array(sshKeys.map { .string($0) }))) }
            return .object(pairs)
        }
    }

    /// `POST /v1/vm` (202 with the VM), or with `dryRun` `POST /v1/vm?dry_run=true` (200 with the preview).
    func createVM(_ order: Order, dryRun: Bool = false) async throws -> Response {
        try await send(
            .POST, "/v1/vm", query: dryRun ? [("dry_run", "true")] : [], json: order.json, credential: .service)
    }

    /// `POST /v1/vm/{id}/payment` with `{"status":"paid","reference":R}`.
    func pay(_ id: String, reference: String) async throws -> Response {
        try await send(
            .POST, "/v1/vm/\(Self.segment(id))/payment",
            json: .object([("status", .string("paid")), ("reference", .string(reference))]), credential: .service)
    }

    /// `GET /v1/vm/{id}/status`: the public launch-proof fields.
    func status(_ id: String) async throws -> Response {
        try await send(.GET, "/v1/vm/\(Self.segment(id))/status", credential: .none)
    }

    /// `GET /v1/vm/{id}`: the full allocation with its events.
    func show(_ id: String) async throws -> Response {
        try await send(.GET, "/v1/vm/\(Self.segment(id))", credential: .service)
    }

    /// `DELETE /v1/vm/{id}`: release (idempotent).
    func release(_ id: String) async throws -> Response {
        try await send(.DELETE, "/v1/vm/\(Self.segment(id))", credential: .service)
    }

    /// `GET /v1/users/{user}/vms`.
    func list(user: String) async throws -> Response {
        try await send(.GET, "/v1/users/\(Self.segment(user))/vms", credential: .service)
    }

    /// `GET /admin/pool.json`: every pool VM and its state.
    func poolReport() async throws -> Response {
        try await send(.GET, "/admin/pool.json", credential: .admin)
    }

    /// `POST /admin/pool-refresh` with a pool file's bytes (a JSON array or `{"pool": [...]}`).
    func refreshPool(_ pool: Data) async throws -> Response {
        try await send(.POST, "/admin/pool-refresh", body: pool, contentType: "application/json", credential: .admin)
    }
}

extension ProvisionerClient {
    /// `POST /admin/hosts`: mints a host id and its API key (shown once).
    func mintHost(label: String, owner: String?) async throws -> Response {
        var fields: [(String, JSONValue)] = [("label", .string(label))]
        if let owner { fields.append(("owner", .string(owner))) }
        return try await send(.POST, "/admin/hosts", json: .object(fields), credential: .admin)
    }

    /// `GET /admin/hosts.json`: every host with its health and last report.
    func hosts() async throws -> Response {
        try await send(.GET, "/admin/hosts.json", credential: .admin)
    }

    /// `POST /admin/hosts/{id}/block` or `/unblock`.
    func setHostBlocked(_ id: String, blocked: Bool) async throws -> Response {
        try await send(.POST, "/admin/hosts/\(Self.segment(id))/\(blocked ? "block" : "unblock")", credential: .admin)
    }
}

extension ProvisionerClient {
    /// `POST /admin/ops`: a benign op runs now (200); any other waits for a signature (202).
    func requestOp(_ op: String, target: String, params: [String: String]) async throws -> Response {
        let body = JSONValue.object([
            ("op", .string(op)), ("target", .string(target)),
            ("params", .object(params.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ])
        return try await send(.POST, "/admin/ops", json: body, credential: .admin)
    }

    /// `GET /admin/ops/{op_id}`.
    func operatorOp(_ id: String) async throws -> Response {
        try await send(.GET, "/admin/ops/\(Self.segment(id))", credential: .admin)
    }

    /// `POST /admin/ops/{op_id}/signature` with the armored signature and the bytes it signs.
    func submitSignature(_ id: String, signature: String, payload: String) async throws -> Response {
        let body = JSONValue.object([("signature", .string(signature)), ("payload", .string(payload))])
        return try await send(.POST, "/admin/ops/\(Self.segment(id))/signature", json: body, credential: .admin)
    }

    /// `GET /admin/ops.json`: the ops, newest first.
    func operatorOps() async throws -> Response {
        try await send(.GET, "/admin/ops.json", credential: .admin)
    }
}
