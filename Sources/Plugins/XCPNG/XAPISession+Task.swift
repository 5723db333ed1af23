import Logging
import ProvisionerAPI

extension XAPISession {
    /// Runs `Async.<method>` and polls its task until it finishes, then destroys the task.
    ///
    /// - Returns: The task's result as XAPI stores it: an XML-RPC-encoded string such as
    ///   `<value>OpaqueRef:…</value>`, or empty for void.
    /// - Throws: ``XAPIError`` with the task's `error_info` when it failed, `TASK_CANCELLED` when
    ///   it was cancelled; ``ProvisionerError`` `timeout` past `timeout` (the task is cancelled).
    func runTask(
        _ method: String, _ params: [XAPIValue], pollInterval: Duration, timeout: Duration, logger: Logger
    ) async throws -> String {
        let taskValue = try await call("Async.\(method)", params, logger: logger)
        guard let task = taskValue.stringValue else {
            throw ProvisionerError.backendUnavailable("Async.\(method) returned no task ref")
        }
        let outcome: Result<String, any Error>
        do {
            outcome = .success(
                try await poll(task, method: method, pollInterval: pollInterval, timeout: timeout, logger: logger))
        } catch {
            outcome = .failure(error)
        }
        do {
            _ = try await call("task.destroy", [.string(task)], logger: logger)
        } catch let error as XAPIError where error.code == "HANDLE_INVALID" {
            // Already garbage-collected by XAPI: nothing to destroy.
        } catch {
            logger.debug("task.destroy failed", metadata: ["xapi.task": "\(task)", "xapi.error": "\(error)"])
        }
        return try outcome.get()
    }

    private func poll(
        _ task: String, method: String, pollInterval: Duration, timeout: Duration, logger: Logger
    ) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let status = try await call("task.get_status", [.string(task)], logger: logger).stringValue ?? ""
            switch status {
            case "success":
                return try await call("task.get_result", [.string(task)], logger: logger).stringValue ?? ""
            case "failure":
                let info = try await call("task.get_error_info", [.string(task)], logger: logger).stringArray
                throw XAPIError(code: info.first ?? "INTERNAL_ERROR", params: Array(info.dropFirst()))
            case "cancelled", "cancelling":
                throw XAPIError(code: "TASK_CANCELLED", params: [task])
            default:
                break
            }
            if ContinuousClock.now >= deadline {
                _ = try? await call("task.cancel", [.string(task)], logger: logger)
                throw ProvisionerError.timeout("XAPI task \(method) did not finish within \(timeout)")
            }
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                _ = try? await call("task.cancel", [.string(task)], logger: logger)
                throw ProvisionerError.timeout("cancelled while waiting for XAPI task \(method)")
            }
        }
    }
}
