import Foundation
import Logging
import ProvisionerAPI

/// A logged-in XAPI session on the pool master, shared by every call of one backend.
///
/// It logs in on first use with an originator, logs in again once when a call gets
/// `SESSION_INVALID`, follows `HOST_IS_SLAVE [master]` to the master, retries transient errors
/// (``XAPIError/isTransient``) with exponential backoff, and logs out on ``logout(logger:)``.
/// Concurrent callers that find no session wait for one login instead of each logging in.
actor XAPISession {
    /// The originator sent with every login, so XAPI's per-originator session GC spares others.
    static let originator = "hcp-provisioner"

    struct Credentials: Sendable {
        var username: String
        var password: String
    }

    /// Backoff for transient errors: `attempts` tries after the first, doubling from `base`.
    struct RetryPolicy: Sendable {
        var attempts = 6
        var base: Duration = .milliseconds(100)
        var cap: Duration = .seconds(5)
    }

    let transport: XAPITransport
    private let credentials: Credentials
    private let retry: RetryPolicy
    private(set) var endpoint: XAPIEndpoint
    private var sessionRef: String?
    private var loginWaiters: [CheckedContinuation<Result<String, any Error>, Never>] = []
    private var isLoggingIn = false
    private var isClosed = false

    init(endpoint: XAPIEndpoint, credentials: Credentials, transport: XAPITransport, retry: RetryPolicy = .init()) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.transport = transport
        self.retry = retry
    }

    /// Calls `method` with the session as the first parameter.
    ///
    /// - Throws: ``XAPIError`` for XAPI's own errors (after re-login, redirect and retries),
    ///   ``ProvisionerError`` when the pool cannot be reached or the login is refused.
    func call(_ method: String, _ params: [XAPIValue] = [], logger: Logger) async throws -> XAPIValue {
        var reloggedIn = false
        var redirects = 0
        var transientFailures = 0
        while true {
            let session = try await currentSession(logger: logger)
            let target = endpoint
            do {
                return try await transport.call(method, [.string(session)] + params, on: target, logger: logger)
            } catch let error as XAPIError {
                switch error.code {
                case "SESSION_INVALID" where !reloggedIn:
                    reloggedIn = true
                    logger.info("XAPI session expired; logging in again", metadata: ["xapi.method": "\(method)"])
                    if sessionRef == session { sessionRef = nil }
                case "HOST_IS_SLAVE" where redirects < 2:
                    redirects += 1
                    try redirect(error, from: target, logger: logger)
                case _ where error.isTransient && transientFailures < retry.attempts:
                    transientFailures += 1
                    try await backoff(attempt: transientFailures, method: method, error: error, logger: logger)
                default:
                    throw error
                }
            }
        }
    }

    /// Logs out (best effort); later calls fail with `backend_unavailable`.
    func logout(logger: Logger) async {
        isClosed = true
        guard let session = sessionRef else { return }
        sessionRef = nil
        do {
            _ = try await transport.call("session.logout", [.string(session)], on: endpoint, logger: logger)
        } catch {
            logger.debug("XAPI logout failed", metadata: ["xapi.error": "\(error)"])
        }
    }

    private func backoff(attempt: Int, method: String, error: XAPIError, logger: Logger) async throws {
        let exponential = retry.base * (1 << min(attempt - 1, 16))
        let delay = min(exponential, retry.cap)
        let jittered = delay * Double.random(in: 0.5...1.0)
        logger.info(
            "XAPI busy; retrying",
            metadata: ["xapi.method": "\(method)", "xapi.error": "\(error)", "retry.attempt": "\(attempt)"])
        do {
            try await Task.sleep(for: jittered)
        } catch {
            throw ProvisionerError.timeout("cancelled while retrying XAPI \(method)")
        }
    }

    private func redirect(_ error: XAPIError, from target: XAPIEndpoint, logger: Logger) throws {
        guard let address = error.params.first, let master = target.redirected(to: address) else {
            throw error.provisionerError(context: "pool member \(target) named no usable master")
        }
        if endpoint == target {
            logger.warning(
                "XCP-ng host is a pool member; reconnecting to the master",
                metadata: ["xapi.member": "\(target)", "xapi.master": "\(master)"])
            endpoint = master
            sessionRef = nil
        }
    }

    /// The session an upload carries in its query (logging in when there is none).
    func sessionForUpload(logger: Logger) async throws -> String { try await currentSession(logger: logger) }

    /// The current session, logging in (once, for every waiting caller) when there is none.
    private func currentSession(logger: Logger) async throws -> String {
        if isClosed { throw ProvisionerError.backendUnavailable("the XCP-ng backend is shut down") }
        if let sessionRef { return sessionRef }
        if isLoggingIn {
            let result = await withCheckedContinuation { loginWaiters.append($0) }
            return try result.get()
        }
        isLoggingIn = true
        let result: Result<String, any Error>
        do {
            result = .success(try await login(logger: logger))
        } catch {
            result = .failure(error)
        }
        isLoggingIn = false
        if case .success(let session) = result { sessionRef = session }
        let waiters = loginWaiters
        loginWaiters = []
        for waiter in waiters { waiter.resume(returning: result) }
        return try result.get()
    }

    private func login(logger: Logger) async throws -> String {
        var redirects = 0
        var transientFailures = 0
        while true {
            let target = endpoint
            do {
                let value = try await transport.call(
                    "session.login_with_password",
                    [.string(credentials.username), .string(credentials.password), "1.0", .string(Self.originator)],
                    on: target, logger: logger)
                guard let session = value.stringValue, session.hasPrefix("OpaqueRef:") else {
                    throw ProvisionerError.backendUnavailable("XAPI login on \(target) returned no session ref")
                }
                logger.debug("XAPI session opened", metadata: ["xapi.host": "\(target)"])
                return session
            } catch let error as XAPIError {
                switch error.code {
                case "HOST_IS_SLAVE" where redirects < 2:
                    redirects += 1
                    try redirect(error, from: target, logger: logger)
                case _ where error.isTransient && transientFailures < retry.attempts:
                    transientFailures += 1
                    try await backoff(attempt: transientFailures, method: "login", error: error, logger: logger)
                default:
                    throw error.provisionerError(context: "XAPI login on \(target) as '\(credentials.username)'")
                }
            }
        }
    }
}

extension XAPISession {
    /// Uploads a raw disk image into `vdi` (`PUT /import_raw_vdi`) with the current session,
    /// logging in again once if the session was refused.
    func importRawVDI(_ vdi: String, bytes: [UInt8], logger: Logger) async throws {
        let session = try await sessionForUpload(logger: logger)
        let query = "session_id=\(Self.percentEncoded(session))&vdi=\(Self.percentEncoded(vdi))&format=raw"
        try await transport.uploadRaw(path: "/import_raw_vdi", query: query, body: bytes, on: endpoint, logger: logger)
    }

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~:")))
            ?? text
    }
}
