import Logging
import ProvisionerAPI
import ServiceLifecycle

/// Runs a backend's own background work (``BackgroundWorking``) beside the HTTP server, and
/// cancels it on graceful shutdown.
struct BackendBackgroundService: Service {
    let backend: any BackgroundWorking
    let logger: Logger

    func run() async throws {
        var scoped = logger
        scoped[metadataKey: "backend.name"] = "\(backend.name)"
        let logger = scoped
        do {
            try await cancelWhenGracefulShutdown {
                try await backend.runBackgroundWork(logger: logger)
            }
        } catch is CancellationError {
            logger.debug("backend background work stopped")
        }
    }
}
