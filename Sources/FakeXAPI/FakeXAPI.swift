import Synchronization

/// A stateful fake XAPI pool master (or, in member mode, a pool member) for tests and local
/// development: templates, VMs, VBDs, VDIs, VIFs, tasks and guest metrics that appear some time
/// after a start, with XAPI's power-state rules, session checks and error shapes, and per-method
/// fault injection.
///
/// Serve it with ``withRunningServer(host:port:logger:_:)`` or ``FakeXAPIServer``; drive it
/// directly with ``call(_:_:)``.
public final class FakeXAPI: Sendable {
    // The whole pool, guarded by its Mutex; no await ever happens while it is held.
    let state: Mutex<FakeXAPIState>

    /// Creates a fake pool from `options`.
    public init(options: FakeXAPIOptions = .init()) {
        self.state = Mutex(FakeXAPIState(options: options))
    }

    /// The outcome of one call, with how to render an error.
    public struct Answer: Sendable {
        /// The result or the XAPI error.
        public var outcome: Result<FakeValue, FakeXAPIError>
        /// Whether to render an error in the pre-dispatch shape (`"error": [CODE, …]`, `"id": 0`).
        public var preDispatch: Bool
    }

    /// Answers one XAPI call as the pool would (`params` include the session first).
    public func call(_ method: String, _ params: [FakeValue]) async -> Answer {
        let isClone = method == "VM.clone" || method == "Async.VM.clone"
        let admitted: Result<FakeFault?, FakeXAPIError> = state.withLock { state in
            let now = ContinuousClock.now
            state.advance(to: now)
            state.callCounts[method, default: 0] += 1
            if let master = state.options.masterAddress { return .failure(FakeXAPIError("HOST_IS_SLAVE", [master])) }
            if method != "session.login_with_password" && method != "system.listMethods" {
                let session = params.first?.stringValue ?? ""
                guard state.sessions[session] != nil else {
                    return .failure(FakeXAPIError("SESSION_INVALID", [session]))
                }
            }
            if isClone {
                state.clonesInFlight += 1
                state.notePeak(now: now)
            }
            return .success(state.takeFault(for: method))
        }
        let fault: FakeFault?
        switch admitted {
        case .failure(let error): return Answer(outcome: .failure(error), preDispatch: false)
        case .success(let found): fault = found
        }
        if let latency = fault?.latencyMilliseconds, latency > 0 {
            try? await Task.sleep(for: .milliseconds(latency))
        }
        let outcome: Result<FakeValue, FakeXAPIError> = state.withLock { state in
            defer { if isClone { state.clonesInFlight -= 1 } }
            let now = ContinuousClock.now
            state.advance(to: now)
            if let error = fault?.error, let code = error.first {
                if code == "SESSION_INVALID", let session = params.first?.stringValue { state.sessions[session] = nil }
                return .failure(FakeXAPIError(code, Array(error.dropFirst())))
            }
            do throws(FakeXAPIError) {
                return .success(try state.answer(method, params, now: now))
            } catch {
                return .failure(error)
            }
        }
        return Answer(outcome: outcome, preDispatch: fault?.preDispatch ?? false)
    }

    /// Arms a fault.
    public func addFault(_ fault: FakeFault) { state.withLock { $0.faults.append(fault) } }

    /// Disarms every fault.
    public func clearFaults() { state.withLock { $0.faults.removeAll() } }

    /// Invalidates every session, as if they had all expired.
    public func expireSessions() { state.withLock { $0.sessions.removeAll() } }

    /// Changes how long after a start guest metrics appear (`nil` = never, for VMs started later).
    public func setGuestMetricsDelay(_ delay: Duration?) { state.withLock { $0.options.guestMetricsDelay = delay } }

    /// What the fake holds beyond its seeded objects.
    public func snapshot() -> FakeXAPISnapshot {
        state.withLock { state in
            state.advance(to: .now)
            return state.snapshot()
        }
    }
}

extension FakeXAPIState {
    /// Login, `system.listMethods`, or an authenticated call.
    mutating func answer(_ method: String, _ params: [FakeValue], now: ContinuousClock.Instant) throws(FakeXAPIError)
        -> FakeValue
    {
        switch method {
        case "system.listMethods":
            return ["session.login_with_password", "session.logout", "VM.clone", "VM.provision", "VM.start"]
        case "session.login_with_password":
            guard (2...4).contains(params.count), let user = params[0].stringValue, let password = params[1].stringValue
            else {
                throw FakeXAPIError("MESSAGE_PARAMETER_COUNT_MISMATCH", [method, "4", "\(params.count)"])
            }
            guard user == options.username, password == options.password else {
                throw FakeXAPIError("SESSION_AUTHENTICATION_FAILED", [user, "Authentication failure"])
            }
            let session = Self.newRef()
            sessions[session] = user
            return .string(session)
        default:
            let session = params.first?.stringValue ?? ""
            return try dispatch(method, Array(params.dropFirst()), session: session, now: now)
        }
    }
}
