public import Foundation
public import Logging
public import ProvisionerAPI

/// The reversibility gate (DESIGN.md section 11): benign ops run at once; rotation and
/// destructive ops wait as `pending_signature` until an operator's SSH signature over the op's
/// exact payload passes every check, then run once, journaled.
///
/// Every decision is an audit event: `gate.pending`, `gate.allowed`, `gate.refused` (with its
/// code), then `gate.done` or `gate.failed`; each carries the request id and the credential used.
public struct Gate: Sendable {
    let store: any Store
    let backend: any Provisioner
    let orders: OrderService
    let configuration: GateConfiguration
    let metrics: ServiceMetrics
    /// Names the Host that handed out a payload (signed as `instance`).
    let instance: String
    /// The time; tests move it.
    let clock: @Sendable () -> Date
    let ops: [String: GateOpDefinition]

    public init(
        store: any Store, backend: any Provisioner, orders: OrderService, configuration: GateConfiguration,
        metrics: ServiceMetrics, instance: String, clock: @escaping @Sendable () -> Date = { Date() },
        ops: [String: GateOpDefinition] = GateOps.table
    ) {
        self.store = store
        self.backend = backend
        self.orders = orders
        self.configuration = configuration
        self.metrics = metrics
        self.instance = instance
        self.clock = clock
        self.ops = ops
    }

    /// Who asks and how, for the audit trail.
    public struct Caller: Sendable {
        /// `admin_secret` (an operator through the admin API) or `reconcile`.
        public var credential: String
        public var requestID: String?
        public init(credential: String, requestID: String?) {
            self.credential = credential
            self.requestID = requestID
        }
    }

    func context(_ caller: Caller, logger: Logger) -> GateOpContext {
        GateOpContext(
            store: store, backend: backend, orders: orders, metrics: metrics, logger: logger,
            requestID: caller.requestID, now: clock())
    }

    /// Asks for `op` on `target`: a benign op runs now (the result is `done` or `failed`), any
    /// other is stored `pending_signature` with the payload to sign.
    ///
    /// - Throws: `unknown_op`, or what the op's target check throws; each refusal is audited.
    public func request(
        op name: String, target: String, params: [String: String], caller: Caller, logger: Logger
    ) async throws -> OperatorOp {
        let context = context(caller, logger: logger)
        guard let definition = ops[name] else {
            let known = ops.keys.sorted().joined(separator: ", ")
            let error = ProvisionerError.gate(
                .unknownOp,
                GateOps.planned.contains(name)
                    ? "Op '\(name)' is not available in this build; known ops: \(known)."
                    : "Unknown op '\(name)'; known ops: \(known).")
            await refuse(
                error, reason: "unknown_op", op: name, target: target, opID: nil, caller: caller, logger: logger)
            throw error
        }
        do {
            try await definition.check(target, context)
        } catch {
            let code = (error as? ProvisionerError)?.code.rawValue ?? "check_failed"
            await refuse(error, reason: code, op: name, target: target, opID: nil, caller: caller, logger: logger)
            throw error
        }
        if caller.credential == "reconcile",
            let waiting = try await store.operatorOps(state: .pendingSignature).first(where: {
                $0.op == name && $0.target == target && $0.expiresAt > context.now
            })
        {
            return waiting  // reconcile asks every pass; one pending op per action is enough
        }
        let opClass = GateClassifier.classify(op: name, provenance: try await definition.provenance(target, context))
        let now = context.now
        let nonce = Self.randomHex(bytes: 16)
        let expiresAt = now.addingTimeInterval(TimeInterval(configuration.maxValiditySeconds))
        let payload = OpPayload(
            op: name, target: target, params: params, nonce: nonce, expiresAt: expiresAt, instance: instance)
        var op = OperatorOp(
            opID: "op-" + Self.randomHex(bytes: 8), op: name, target: target, params: params, opClass: opClass,
            state: opClass == .benign ? .running : .pendingSignature, payload: payload.canonical, nonce: nonce,
            expiresAt: payload.expiry ?? expiresAt, requestedBy: caller.credential, requestID: caller.requestID,
            createdAt: now, updatedAt: now)
        if opClass == .benign {
            op.signer = "none (benign)"
            try await store.insertOperatorOp(
                op, audit: [audit("gate.allowed", op, caller, "class=benign; runs without a signature")])
            return await execute(op, caller: caller, logger: logger)
        }
        try await store.insertOperatorOp(
            op, audit: [audit("gate.pending", op, caller, "class=\(opClass.rawValue); waits for a signature")])
        logger.notice(
            "operator op waits for a signature",
            metadata: ["op.id": "\(op.opID)", "op.name": "\(name)", "op.target": "\(target)"])
        return op
    }

    /// Checks a signature over a pending op, in DESIGN's order, and runs the op when every check
    /// passes.
    ///
    /// - Parameters:
    ///   - armored: The `-----BEGIN SSH SIGNATURE-----` text.
    ///   - signedPayload: The bytes that were signed, when the caller sends them; else the op's payload.
    /// - Returns: The op as it ended (`done` or `failed`).
    /// - Throws: `not_found`, `signature_invalid`, `unknown_signer`, `op_expired`, `nonce_replayed`,
    ///   `role_denied`, `binding_mismatch`, `state_conflict`; each refusal is audited.
    public func submitSignature(
        opID: String, armored: String, signedPayload: String?, caller: Caller, logger: Logger
    ) async throws -> OperatorOp {
        guard let op = try await store.operatorOp(id: opID) else {
            throw ProvisionerError.notFound("No operator op '\(opID)'.")
        }
        let message = signedPayload ?? op.payload
        let now = clock()
        func refused(_ code: ProvisionerError.Code, _ reason: String, _ text: String) async -> ProvisionerError {
            let error = ProvisionerError.gate(code, text)
            await refuse(
                error, reason: reason, op: op.op, target: op.target, opID: op.opID, caller: caller, logger: logger)
            return error
        }
        // 1. The signature is valid: parses, right namespace, Ed25519, verifies over the bytes.
        let signature: SSHSignature
        do {
            signature = try SSHSignature(armored: armored, namespace: configuration.namespace)
            try signature.verify(message: Array(message.utf8))
        } catch {
            throw await refused(.signatureInvalid, error.rawValue, "The signature is not valid (\(error.rawValue)).")
        }
        // 2. The signer is listed.
        let signers: AllowedSigners
        do {
            guard let path = configuration.allowedSignersFile else { throw GateConfigurationError("not configured") }
            signers = try AllowedSigners(contentsOf: path)
        } catch {
            throw await refused(
                .unknownSigner, "no_signers_file: \(error)", "No signers are configured; no signature is accepted.")
        }
        let principals = signers.principals(
            forEd25519: signature.publicKey, namespace: configuration.namespace, at: now)
        guard !principals.isEmpty else {
            throw await refused(
                .unknownSigner, "key \(signature.fingerprint)", "The signing key is not an allowed signer.")
        }
        let signer = "\(principals.joined(separator: ",")) \(signature.fingerprint)"
        guard let payload = OpPayload(signed: message) else {
            throw await refused(
                .bindingMismatch, "the signed bytes are no op payload", "The signed bytes are no op payload.")
        }
        // 3. Not expired (the signed expiry, and the pending op's own).
        guard let expiry = payload.expiry, expiry > now, op.expiresAt > now else {
            throw await refused(
                .opExpired, "expired at \(payload.expiresAt)", "The op's payload expired; request it again.")
        }
        // 4. The nonce was never used.
        guard try await !store.isNonceUsed(payload.nonce) else {
            throw await refused(.nonceReplayed, "nonce \(payload.nonce)", "This signature was used before.")
        }
        // 5. The signer's role allows the op's class.
        let roles = principals.reduce(into: Set<GateConfiguration.Role>()) { $0.formUnion(configuration.roles(of: $1)) }
        let allowed =
            switch op.opClass {
            case .benign: true
            case .rotation: !roles.isDisjoint(with: [.operational, .recovery])
            case .destructive: roles.contains(.operational)
            }
        guard allowed else {
            throw await refused(
                .roleDenied,
                "signer \(signer) roles [\(roles.map(\.rawValue).sorted().joined(separator: ","))] "
                    + "class \(op.opClass.rawValue)",
                "The signer's role may not sign a \(op.opClass.rawValue) op.")
        }
        // 6. What was signed is this op.
        let pending = OpPayload(signed: op.payload)
        guard payload.op == op.op, payload.target == op.target, payload.params == op.params,
            payload.nonce == op.nonce, payload.instance == pending?.instance
        else {
            throw await refused(
                .bindingMismatch, "signed op=\(payload.op) target=\(payload.target)",
                "The signature is over another op, target or parameters.")
        }
        let begin = try await store.beginOperatorOp(
            id: op.opID, nonce: payload.nonce, signer: signer, now: now,
            audit: [audit("gate.allowed", op, caller, "signer=\(signer) class=\(op.opClass.rawValue)")])
        switch begin {
        case .begun(let running):
            return await execute(running, caller: caller, logger: logger)
        case .nonceReplayed:
            throw await refused(
                .nonceReplayed, "nonce \(payload.nonce) (concurrent)", "This signature was used before.")
        case .notPending(let current):
            throw ProvisionerError.stateConflict(
                "Op '\(opID)' is \(current?.state.rawValue ?? "gone"), not pending_signature.")
        }
    }

    /// Runs an op that is `running` (journaled) and records how it ended.
    func execute(_ op: OperatorOp, caller: Caller, logger: Logger) async -> OperatorOp {
        var finished = op
        let context = context(caller, logger: logger)
        do {
            guard let definition = ops[op.op] else { throw ProvisionerError.gate(.unknownOp, "unknown op") }
            finished.outcome = try await definition.run(op, context)
            finished.state = .done
        } catch {
            finished.outcome = "\(error)"
            finished.state = .failed
            logger.warning("operator op failed", metadata: ["op.id": "\(op.opID)", "error": "\(error)"])
        }
        let outcome = finished.outcome ?? ""
        do {
            try await store.finishOperatorOp(
                id: op.opID, state: finished.state, outcome: outcome, now: clock(),
                audit: [audit(finished.state == .done ? "gate.done" : "gate.failed", op, caller, outcome)])
        } catch {
            logger.warning(
                "could not record the end of an operator op; start-up runs it again",
                metadata: ["op.id": "\(op.opID)", "error": "\(error)"])
        }
        finished.updatedAt = clock()
        return finished
    }

    /// Runs again every op a crash left `running` (each op is idempotent); called at start-up.
    ///
    /// - Returns: The ops as they ended.
    @discardableResult
    public func resumeInterrupted(logger: Logger) async throws -> [OperatorOp] {
        var resumed: [OperatorOp] = []
        for op in try await store.operatorOps(state: .running) {
            let caller = Caller(credential: "recovery", requestID: op.requestID)
            await store.appendAuditLogging(
                [audit("gate.resumed", op, caller, "left running by an earlier run; running it again")], logger: logger)
            resumed.append(await execute(op, caller: caller, logger: logger))
        }
        return resumed
    }

    func audit(_ kind: String, _ op: OperatorOp, _ caller: Caller, _ detail: String) -> AuditEvent {
        AuditEvent(
            at: clock(), kind: kind, allocationID: allocationID(op.op, op.target), userID: nil,
            actor: caller.credential,
            requestID: caller.requestID,
            detail: "op=\(op.op) op_id=\(op.opID) target=\(op.target) credential=\(caller.credential); \(detail)")
    }

    private func refuse(
        _ error: any Error, reason: String, op: String, target: String, opID: String?, caller: Caller, logger: Logger
    ) async {
        let code = (error as? ProvisionerError)?.code.rawValue ?? "refused"
        await store.appendAuditLogging(
            [
                AuditEvent(
                    at: clock(), kind: "gate.refused", allocationID: allocationID(op, target), userID: nil,
                    actor: caller.credential, requestID: caller.requestID,
                    detail: "code=\(code) reason=\(reason) op=\(op) op_id=\(opID ?? "-") target=\(target) "
                        + "credential=\(caller.credential)")
            ], logger: logger)
    }

    private func allocationID(_ op: String, _ target: String) -> String? {
        ["force_release", "restart_vm"].contains(op) ? target : nil
    }

    static func randomHex(bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
