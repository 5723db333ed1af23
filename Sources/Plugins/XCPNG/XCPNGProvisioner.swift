public import Logging
public import ProvisionerAPI
import Synchronization

/// The XCP-ng backend: creates each customer's VM from a template over XAPI JSON-RPC and destroys
/// it, with its disks, on release.
///
/// Every VM it creates is named `provisioner-<allocation id>` and carries two `other_config` tags:
/// ``allocationKey`` (the allocation id) and ``ownerKey`` (the configured owner marker), which is
/// how release, status, idempotent allocate and ``InventoryListing`` find it again. At most
/// `max_concurrent_tasks` clone and start operations run at once; the rest queue.
public final class XCPNGProvisioner: Provisioner, InventoryListing, CapacityReporting, ReadinessChecking,
    ShutdownHandling
{
    /// The backend kind in config.
    public static let kind = "xcpng"
    /// The `other_config` key holding the allocation id.
    public static let allocationKey = "provisioner.allocation_id"
    /// The `other_config` key holding the owner marker.
    public static let ownerKey = "provisioner.owner"
    /// The `other_config` key holding the device number of the NIC this backend created.
    static let vifDeviceKey = "provisioner.vif_device"
    /// Set last in configuration: a tagged clone without it was interrupted mid-configure.
    static let configuredKey = "provisioner.configured"
    /// `other_config` key holding the attempt (the Host's lease epoch) that created the VM; a
    /// teardown of a failed attempt removes only that attempt's VMs.
    public static let attemptKey = "provisioner.attempt"

    /// `xcpng`.
    public var name: String { Self.kind }
    /// `false`: this backend creates real VMs.
    public var isDemo: Bool { false }

    /// The configuration it runs with.
    public let configuration: XCPNGProvisionerConfiguration

    let session: XAPISession
    let limiter: TaskLimiter
    /// The factory's logger, for ``shutdown()``, which gets none of its own.
    private let lifecycleLogger: Logger?
    let serializer = KeyedSerializer()
    /// The last background probe's outcome (``runBackgroundWork(logger:)``); `nil` before the first.
    let lastProbe = Mutex<ProbeOutcome?>(nil)

    /// Creates the backend; nothing is contacted until the first call.
    ///
    /// - Parameters:
    ///   - configuration: The decoded `provisioner.xcpng` subtree.
    ///   - username: The XAPI user (read from the env var the config names).
    ///   - password: Its password.
    ///   - logger: Where ``shutdown()`` reports a failed logout; `nil` for nowhere.
    public init(
        configuration: XCPNGProvisionerConfiguration, username: String, password: String, logger: Logger? = nil
    ) {
        self.configuration = configuration
        self.lifecycleLogger = logger
        let transport = XAPITransport(
            trust: configuration.tls, callTimeout: .milliseconds(Int64(configuration.callTimeoutSeconds * 1000)))
        self.session = XAPISession(
            endpoint: configuration.url, credentials: .init(username: username, password: password),
            transport: transport)
        self.limiter = TaskLimiter(limit: configuration.maxConcurrentTasks)
    }

    /// The name label of the VM of an allocation.
    static func vmName(for allocationID: String) -> String { "provisioner-\(allocationID)" }

    var pollInterval: Duration { .milliseconds(configuration.pollIntervalMilliseconds) }

    /// Calls XAPI, turning its errors into ``ProvisionerError`` with `context` in the operator detail.
    func call(_ method: String, _ params: [XAPIValue] = [], context: String, logger: Logger) async throws -> XAPIValue {
        do {
            return try await session.call(method, params, logger: logger)
        } catch let error as XAPIError {
            throw error.provisionerError(context: context)
        }
    }

    /// Logs out of XAPI; later calls fail with `backend_unavailable`.
    public func shutdown() async {
        await session.logout(logger: lifecycleLogger ?? Logger(label: "", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}
