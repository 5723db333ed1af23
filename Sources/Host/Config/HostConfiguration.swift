public import ProvisionerAPI

/// The whole service configuration, decoded from one YAML file.
///
/// Each section is a plain struct with the defaults of the embedded default config; backend
/// subtrees stay ``ConfigNode``s and are decoded by their plugin.
public struct HostConfiguration: Sendable {
    /// `server:` — where to listen and how to authenticate.
    public var server: ServerConfiguration
    /// `store:` — where allocations are kept.
    public var store: StoreConfiguration
    /// `provisioner:` — which backend, and its subtree.
    public var provisioner: ProvisionerSelection
    /// `plans:` — sizing and price by plan name.
    public var plans: [String: PlanSpec]
    /// `limits:` — per-user caps and port policy.
    public var limits: LimitsConfiguration
    /// `launch_proof:` — which launch checks run.
    public var launchProof: LaunchProofConfiguration
    /// `reconcile:` — drift checking cadence.
    public var reconcile: ReconcileConfiguration
    /// `worker:` — the background provisioning worker.
    public var worker: WorkerConfiguration
    /// `hosts:` — host reports and the dead-man's switch.
    public var hosts: HostsConfiguration = .init()
    /// The file the configuration came from.
    public var source: String
    /// `gate:` — who may sign destructive operator ops.
    public var gate = GateConfiguration()

    /// Creates a configuration.
    public init(
        server: ServerConfiguration = .init(),
        store: StoreConfiguration = .init(),
        provisioner: ProvisionerSelection = .init(),
        plans: [String: PlanSpec] = HostConfiguration.defaultPlans,
        limits: LimitsConfiguration = .init(),
        launchProof: LaunchProofConfiguration = .init(),
        reconcile: ReconcileConfiguration = .init(),
        worker: WorkerConfiguration = .init(),
        source: String = "<defaults>"
    ) {
        self.server = server
        self.store = store
        self.provisioner = provisioner
        self.plans = plans
        self.limits = limits
        self.launchProof = launchProof
        self.reconcile = reconcile
        self.worker = worker
        self.source = source
    }

    /// The plans of the embedded default.
    public static let defaultPlans: [String: PlanSpec] = [
        "small": PlanSpec(name: "small", vcpus: 1, memoryMiB: 1024, diskGiB: 10, priceCents: 500),
        "trial": PlanSpec(name: "trial", vcpus: 1, memoryMiB: 512, diskGiB: 5, priceCents: 0),
    ]
}

/// `server:` keys: `host` (string, default 127.0.0.1), `port` (integer, default 8080, 0...65535),
/// `admin_secret_env` / `service_token_env` (env var names), `max_body_bytes` (integer, default
/// 1048576, 1...67108864), `dashboard_secret_env` (env var name, default
/// `PROVISIONER_DASHBOARD_SECRET`: the key that signs dashboard links), `dashboard_link_ttl_s`
/// (integer, default 3600, 60...2592000: how long a dashboard link works), `read_timeout_s` (number,
/// default 30, 0.1...3600: a request's body must arrive within this after its head),
/// `idle_timeout_s` (number, default 60, 0.1...86400: a connection with no complete request part
/// for this long, also one dribbling its headers, is closed).
public struct ServerConfiguration: Sendable, Equatable {
    /// The address to bind.
    public var host: String = "127.0.0.1"
    /// The port to bind; 0 lets the OS choose.
    public var port: Int = 8080
    /// The env var holding the admin secret.
    public var adminSecretEnv: String = "PROVISIONER_ADMIN_SECRET"
    /// The env var holding the service token.
    public var serviceTokenEnv: String = "PROVISIONER_SERVICE_TOKEN"
    /// The largest request body accepted; larger bodies get 413.
    public var maxBodyBytes: Int = 1_048_576
    /// The env var holding the key that signs dashboard links.
    public var dashboardSecretEnv: String = "PROVISIONER_DASHBOARD_SECRET"
    /// How long a dashboard link works after it is issued.
    public var dashboardLinkTTLSeconds: Int = 3600
    /// How long a request's body may take to arrive after its head, in seconds.
    public var readTimeoutSeconds: Double = 30
    /// How long a connection may stay without a complete request part, in seconds.
    public var idleTimeoutSeconds: Double = 60
    /// Creates the section with defaults.
    public init() {}
}

/// `store:` keys: `kind` (`sqlite` or `postgres`, default `sqlite`). For SQLite: `path` (string,
/// default `data/provisioner.sqlite`; `:memory:` for a throwaway store), `synchronous` (`full` or
/// `normal`, default `full`). For PostgreSQL: `url_env` (env var name, default
/// `PROVISIONER_DATABASE_URL`; the variable holds `postgres://user:password@host:5432/db?sslmode=…`),
/// `max_connections` (int, default 10, 1...1000: the connection pool's bound).
public struct StoreConfiguration: Sendable, Equatable {
    /// The store kind.
    public var kind: String = "sqlite"
    /// The SQLite file path.
    public var path: String = "data/provisioner.sqlite"
    /// SQLite's `synchronous` pragma.
    public var synchronous: String = "full"
    /// The env var holding the PostgreSQL URL.
    public var urlEnv: String = "PROVISIONER_DATABASE_URL"
    /// The most connections the PostgreSQL pool opens.
    public var maxConnections: Int = 10
    /// Creates the section with defaults.
    public init() {}
}

/// `provisioner:` keys: `backend` (a linked backend kind, default `simulated`), `require_real`
/// (bool, default false), and one subtree per backend kind, decoded by that backend.
public struct ProvisionerSelection: Sendable {
    /// The backend kind to run.
    public var backend: String = "simulated"
    /// Refuse to start with a demo backend.
    public var requireReal: Bool = false
    /// The node holding `backend`, for error locations.
    public var backendNode: ConfigNode?
    /// The node holding `require_real`, for error locations.
    public var requireRealNode: ConfigNode?
    /// Each backend's config subtree, by kind.
    public var backendNodes: [String: ConfigNode] = [:]
    /// Creates the section with defaults.
    public init() {}
}

/// `limits:` keys: `max_paid_vms_per_user` (integer, default 3, 0 = no limit), `blocked_ports`
/// (list of ports, default 25, 465, 587), `payment_window_s` (integer seconds, default 3600,
/// 1...31536000: how long an unpaid order holds its reservation of backend capacity).
public struct LimitsConfiguration: Sendable, Equatable {
    /// The most active paid VMs one user may hold; 0 means no limit.
    public var maxPaidVMsPerUser: Int = 3
    /// Ports a customer may not ask to open.
    public var blockedPorts: Set<Int> = [25, 465, 587]
    /// Seconds an order waiting for payment keeps its reservation of backend capacity.
    public var paymentWindowSeconds: Int = 3600
    /// Creates the section with defaults.
    public init() {}
}

/// `launch_proof:` keys: `dns_aaaa.enabled` (bool, default true), `dns_aaaa.resolver` (`system`
/// or `static`, default `system`), `dns_aaaa.static_records` (map of hostname to a list of IPv6
/// addresses, for labs; only with `resolver: static`), `ssh_smoke.enabled` (bool, default true),
/// `ssh_smoke.timeout_s` (integer, default 10, 1...300).
public struct LaunchProofConfiguration: Sendable, Equatable {
    /// Whether the DNS AAAA check runs.
    public var dnsAAAAEnabled: Bool = true
    /// `system` (getaddrinfo) or `static` (``dnsStaticRecords``).
    public var dnsResolver: String = "system"
    /// Hostname to IPv6 addresses, used when ``dnsResolver`` is `static`.
    public var dnsStaticRecords: [String: [String]] = [:]
    /// Whether the SSH banner check runs.
    public var sshSmokeEnabled: Bool = true
    /// The SSH banner check's timeout.
    public var sshSmokeTimeoutSeconds: Int = 10
    /// Creates the section with defaults.
    public init() {}
}

/// `reconcile:` keys: `interval_s` (default 60), `stale_after_s` (default 1800), `down_after_s`
/// (default 3600), each an integer number of seconds, 1...604800; `concurrency` (integer, default 8,
/// 1...256: backend status calls in flight at once); the deadlines of the transient states,
/// `provisioning_deadline_s` (default 1800), `releasing_deadline_s` (default 1800) and
/// `cleaning_deadline_s` (default 3600), seconds, 1...604800.
public struct ReconcileConfiguration: Sendable, Equatable {
    /// Seconds between reconcile passes.
    public var intervalSeconds: Int = 60
    /// Seconds without a heartbeat before a host is stale.
    public var staleAfterSeconds: Int = 1800
    /// Seconds without a heartbeat before a host is down.
    public var downAfterSeconds: Int = 3600
    /// How many backend status calls a pass makes at once.
    public var concurrency: Int = 8
    /// How long an allocation may stay `provisioning` before it fails with `deadline_exceeded`.
    public var provisioningDeadlineSeconds: Int = 1800
    /// How long an allocation may stay `releasing` before it fails with `deadline_exceeded`.
    public var releasingDeadlineSeconds: Int = 1800
    /// How long a released pool VM may stay `cleaning` before it is quarantined.
    public var cleaningDeadlineSeconds: Int = 3600
    /// Whether reconcile converges what is safe to converge (`converge`, bool, default false): a
    /// delivered VM found stopped is started again through the gate.
    public var converge: Bool = false
    /// Creates the section with defaults.
    public init() {}
}

/// `worker:` keys: `concurrency` (integer, 1...1024; default what the backend advises, else 16), `lease_s` (integer, default 300,
/// 5...86400: how long a claimed job is owned before another worker may take it over),
/// `poll_interval_ms` (integer, default 1000, 10...60000), `node_id` (string, optional, default
/// `<host name>:<server.port>`, or a fresh name per run when the port is 0: names this Host's
/// leases; replicas sharing a store need distinct ones, and a restarted Host takes over at once
/// the leases its previous run left).
public struct WorkerConfiguration: Sendable, Equatable {
    /// How many allocations are provisioned or released at once.
    public var concurrency: Int = 16 {
        didSet { concurrencyIsConfigured = true }
    }
    /// Whether `concurrency` was set (in config, or by code); when not, a backend that advises
    /// one (``ConcurrencyAdvising``) sets it.
    public var concurrencyIsConfigured = false
    /// How long a claim lasts before another worker may take the job over.
    public var leaseSeconds: Int = 300
    /// How often the store is polled for work when nothing signals it.
    public var pollIntervalMilliseconds: Int = 1000
    /// This Host's name in lease owners, or `nil` for `<host name>:<server.port>`.
    public var nodeID: String?
    /// Creates the section with defaults.
    public init() {}
}
