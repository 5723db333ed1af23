public import Foundation
public import Hummingbird
public import Logging
public import ProvisionerAPI
import ServiceLifecycle

/// Everything the HTTP application is built from; `main` and the tests make one the same way.
public struct HostDependencies: Sendable {
    public var configuration: HostConfiguration
    public var store: any Store
    public var backend: any Provisioner
    public var serviceToken: String
    public var adminSecret: String
    /// The key that signs dashboard links (`server.dashboard_secret_env`).
    public var dashboardSecret: String
    public var metrics: ServiceMetrics
    public var logger: Logger
    public var signal: WorkSignal
    /// What the last reconcile pass found tagged as ours with no active allocation.
    public var orphans: OrphanRegistry
    /// The global host-reporting key (the value of `hosts.global_key_env`), if any.
    public var hostGlobalKey: String? = nil
    /// The clock host health is judged by; tests inject one.
    public var now: @Sendable () -> Date = Date.init
    /// The gate's clock (payload expiry); tests move it.
    public var gateClock: @Sendable () -> Date = { Date() }
    /// The pages' templates; `serve` refuses to start when ``PageTemplates/check()`` throws.
    public var templates: PageTemplates = .bundled

    public init(
        configuration: HostConfiguration, store: any Store, backend: any Provisioner, serviceToken: String,
        adminSecret: String, dashboardSecret: String = DashboardLinkSigner.randomSecret(),
        metrics: ServiceMetrics = ServiceMetrics(), logger: Logger, signal: WorkSignal = WorkSignal(),
        orphans: OrphanRegistry = OrphanRegistry()
    ) {
        self.configuration = configuration
        self.configuration.worker.adopt(adviceOf: backend)
        self.store = store
        self.backend = backend
        self.serviceToken = serviceToken
        self.adminSecret = adminSecret
        self.dashboardSecret = dashboardSecret
        self.metrics = metrics
        self.logger = logger
        self.signal = signal
        self.orphans = orphans
        let port = configuration.server.port
        // With an OS-chosen port (0) the port says nothing about identity: such a Host never
        // takes over leases of an earlier run unless `worker.node_id` names it.
        self.nodeID =
            configuration.worker.nodeID
            ?? (port == 0
                ? "\(ProcessInfo.processInfo.hostName):ephemeral-\(UUID().uuidString.lowercased().prefix(8))"
                : "\(ProcessInfo.processInfo.hostName):\(port)")
    }

    /// The order service over these dependencies.
    public var orders: OrderService {
        OrderService(store: store, backend: backend, configuration: configuration, signal: signal, metrics: metrics)
    }

    /// The provisioning service over these dependencies.
    public var provisioning: ProvisioningService {
        ProvisioningService(
            store: store, backend: backend, plans: configuration.plans, metrics: metrics,
            checker: LaunchProofChecker(configuration: configuration.launchProof, resolver: resolver),
            provisioningDeadline: .seconds(configuration.reconcile.provisioningDeadlineSeconds),
            leaseSeconds: TimeInterval(configuration.worker.leaseSeconds))
    }

    /// This Host's name in lease owners: `worker.node_id`, else `<host name>:<server.port>`.
    public let nodeID: String

    /// Crash recovery over these dependencies (`serve` runs it as the server starts listening).
    public var recovery: Recovery {
        Recovery(
            store: store, backend: backend, provisioning: provisioning, nodeID: nodeID, metrics: metrics,
            concurrency: configuration.worker.concurrency)
    }

    /// What `serve` runs at start-up: crash recovery, then the operator ops a crash interrupted.
    public func startupRecovery(
        onFinished: @escaping @Sendable (StartupRecovery.Outcome) -> Void = { _ in }
    ) -> StartupRecovery {
        StartupRecovery(recovery: recovery, gate: gate, onFinished: onFinished)
    }

    /// The reversibility gate over these dependencies (`gate:` config).
    public var gate: Gate {
        Gate(
            store: store, backend: backend, orders: orders, configuration: configuration.gate, metrics: metrics,
            instance: nodeID, clock: gateClock)
    }

    /// The signer of dashboard links, with `server.dashboard_link_ttl_s`.
    public var dashboardLinks: DashboardLinkSigner {
        DashboardLinkSigner(secret: dashboardSecret, ttlSeconds: configuration.server.dashboardLinkTTLSeconds)
    }

    /// The dead-man's switch over these dependencies.
    public var hostHealthChecker: HostHealthChecker {
        HostHealthChecker(
            store: store, configuration: configuration.hosts, metrics: metrics, backendName: backend.name,
            logger: logger, now: now)
    }

    /// The host health shown beside allocations on service and admin views.
    var hostHealthLookup: HostHealthLookup {
        HostHealthLookup(store: store, configuration: configuration.hosts, now: now)
    }

    /// The resolver `launch_proof.dns_aaaa.resolver` names.
    var resolver: any AAAAResolving {
        let launchProof = configuration.launchProof
        if launchProof.dnsResolver == "static" { return StaticAAAAResolver(launchProof.dnsStaticRecords) }
        return SystemAAAAResolver()
    }
}

/// Builds the router with every route and middleware.
public func buildRouter(_ dependencies: HostDependencies) -> Router<ProvisionerRequestContext> {
    let router = Router(context: ProvisionerRequestContext.self)
    let routeMethods = RouteMethodTable()
    router.add(middleware: EnvelopeMiddleware(metrics: dependencies.metrics, routeMethods: routeMethods))
    OperationsRoutes(
        store: dependencies.store, backend: dependencies.backend, metrics: dependencies.metrics,
        served: OpenAPIDocument.served(for: dependencies.configuration)
    ).register(on: router)
    let adminAuth = BearerAuthenticator(secret: dependencies.adminSecret)
    let templates = dependencies.templates
    AdminRoutes(store: dependencies.store, adminAuth: adminAuth, templates: templates).register(on: router)
    AdminAllocationRoutes(
        store: dependencies.store, adminAuth: adminAuth, orphans: .of(dependencies.backend),
        hostHealth: dependencies.hostHealthLookup, templates: templates
    ).register(on: router)
    DashboardRoutes(
        store: dependencies.store, serviceAuth: BearerAuthenticator(secret: dependencies.serviceToken),
        signer: dependencies.dashboardLinks, maxBodyBytes: dependencies.configuration.server.maxBodyBytes,
        templates: templates
    ).register(on: router)
    PoolRoutes(
        backend: dependencies.backend, adminAuth: adminAuth, store: dependencies.store, gate: dependencies.gate,
        templates: templates
    ).register(on: router)
    GateRoutes(gate: dependencies.gate, store: dependencies.store, adminAuth: adminAuth, templates: templates)
        .register(on: router)
    EventRoutes(store: dependencies.store, orphans: dependencies.orphans, adminAuth: adminAuth, templates: templates)
        .register(on: router)
    VMRoutes(
        orders: dependencies.orders, provisioning: dependencies.provisioning,
        leaseSeconds: dependencies.configuration.worker.leaseSeconds, store: dependencies.store,
        serviceAuth: BearerAuthenticator(secret: dependencies.serviceToken),
        maxBodyBytes: dependencies.configuration.server.maxBodyBytes, hostHealth: dependencies.hostHealthLookup
    ).register(on: router)
    HostAdminRoutes(
        store: dependencies.store, adminAuth: adminAuth, configuration: dependencies.configuration.hosts,
        templates: templates, maxBodyBytes: dependencies.configuration.server.maxBodyBytes, now: dependencies.now
    ).register(on: router)
    HostReportRoutes(
        store: dependencies.store, configuration: dependencies.configuration.hosts,
        globalKey: dependencies.hostGlobalKey, now: dependencies.now
    ).register(on: router)
    RestoreRoutes(orders: dependencies.orders, store: dependencies.store, adminAuth: adminAuth).register(on: router)
    routeMethods.fill(from: router)
    return router
}

/// Builds the application `serve` runs: the router, the HTTP server and the provisioning worker.
///
/// - Parameters:
///   - dependencies: Config, store, backend, secrets, metrics.
///   - recovery: Start-up recovery (`serve` passes ``HostDependencies/startupRecovery(onFinished:)``):
///     it runs while the server already answers, and the worker and reconcile start once it is done.
///   - onServerRunning: Called with the bound port once the server listens.
public func buildApplication(
    _ dependencies: HostDependencies,
    recovery: StartupRecovery? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let worker = ProvisioningWorker(
        store: dependencies.store, provisioning: dependencies.provisioning,
        configuration: dependencies.configuration.worker, signal: dependencies.signal, logger: dependencies.logger,
        owner: "\(dependencies.nodeID)/worker-\(UUID().uuidString.lowercased())")
    let reconcile = ReconcileService(
        store: dependencies.store, provisioning: dependencies.provisioning, backend: dependencies.backend,
        configuration: dependencies.configuration.reconcile, metrics: dependencies.metrics,
        orphans: dependencies.orphans, logger: dependencies.logger,
        gate: dependencies.configuration.reconcile.converge ? dependencies.gate : nil)
    let server = dependencies.configuration.server
    var services: [any Service] = [
        AfterStartupRecovery(recovery: recovery, services: [worker, reconcile], logger: dependencies.logger),
        dependencies.hostHealthChecker,
    ]
    if let backend = dependencies.backend as? any BackgroundWorking {
        services.append(BackendBackgroundService(backend: backend, logger: dependencies.logger))
    }
    return Application(
        router: buildRouter(dependencies),
        server: .http1(configuration: ServerTimeouts(server).channelConfiguration),
        configuration: .init(address: .hostname(server.host, port: server.port), serverName: "provisioner"),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? server.port) },
        logger: dependencies.logger)
}
