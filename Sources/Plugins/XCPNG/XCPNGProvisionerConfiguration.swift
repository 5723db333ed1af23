public import ProvisionerAPI

/// Config of the XCP-ng backend, the subtree `provisioner.xcpng`.
///
/// Keys:
/// - `url` (string, required): the pool master, `https://host[:port]`; `http://` is accepted with a
///   warning (labs, `fake-xapi`).
/// - `username_env` (env var name, optional, default `XCPNG_USER`): holds the XAPI user name.
/// - `password_env` (env var name, optional, default `XCPNG_PASSWORD`): holds its password.
/// - `template` (string, required): the template's name label or UUID.
/// - `sr` (string, optional, default the pool's default SR): name label or UUID of the SR whose free
///   space is reported and where provisioned disks go.
/// - `network` (string, required): name label or UUID of the network the VM's NIC joins.
/// - `tls` (mapping, optional): `ca_file` (string, a PEM file of trusted CAs) or
///   `fingerprint_sha256` (string or list of strings, 64 hex digits, colons allowed): the SHA-256 of
///   each host's self-signed certificate, pinned. Without either, the system trust store is used.
/// - `insecure` (bool, optional, default false): skip certificate verification (loud warning).
/// - `ip_wait_timeout_s` (number, optional, default 300, 0.05...86400): how long to wait for the guest
///   agent to report an IP.
/// - `max_concurrent_tasks` (integer, optional, default 2, 1...64): clone/start operations in flight.
/// - `call_timeout_s` (number, optional, default 30, 0.05...3600): the deadline of each XAPI call.
/// - `task_timeout_s` (number, optional, default 600, 0.05...86400): the deadline of each async task.
/// - `poll_interval_ms` (integer, optional, default 1000, 1...60000): task and guest-metrics polling.
/// - `owner_tag` (string, optional, default `provisioner`): the `other_config` owner marker value
///   that says a VM is this service's.
/// - `guest_config` (`cloud_init` | `xenstore`, optional, default `cloud_init`): how the hostname
///   and SSH keys reach the guest: a NoCloud config drive (a VDI labelled `cidata` in `sr`), or
///   xenstore `vm-data/*` keys only (for images running an agent that reads them).
/// - `cloud_init` (mapping, optional): `user_data` (mapping, optional): cloud-config keys merged
///   into every config drive's `user-data`.
/// - `on_release` (mapping, optional): `mode` (`destroy` | `halt_then_destroy`, default `destroy`)
///   and `grace_s` (number, required with `halt_then_destroy`, 1...31536000): how long a released
///   VM is kept, halted, before reconcile destroys it with its disks.
/// - `probe_interval_s` (number, optional, default 10, 0.05...3600): how often the background
///   readiness probe calls the pool master; `/readyz` only reports its last result.
public struct XCPNGProvisionerConfiguration: Sendable, Equatable {
    /// How the server's certificate is checked.
    public enum TLSTrust: Sendable, Equatable {
        /// The system trust store, with hostname verification.
        case system
        /// The CAs in a PEM file, with hostname verification.
        case caFile(String)
        /// Certificates whose SHA-256 (lowercase hex, no colons) is listed.
        case pinned([String])
        /// No verification at all (`insecure: true`).
        case insecure
    }

    /// The pool master's URL.
    public var url: XAPIEndpoint
    /// The env var holding the user name.
    public var usernameEnv: String
    /// The env var holding the password.
    public var passwordEnv: String
    /// The template, by name label or UUID.
    public var template: String
    /// The SR, by name label or UUID; `nil` for the pool default.
    public var sr: String?
    /// The network, by name label or UUID.
    public var network: String
    /// How the server's certificate is checked.
    public var tls: TLSTrust
    /// How long to wait for the guest IP, in seconds.
    public var ipWaitTimeoutSeconds: Double
    /// Clone/start operations in flight at once.
    public var maxConcurrentTasks: Int
    /// The deadline of each XAPI call, in seconds.
    public var callTimeoutSeconds: Double
    /// The deadline of each async task, in seconds.
    public var taskTimeoutSeconds: Double
    /// The polling interval, in milliseconds.
    public var pollIntervalMilliseconds: Int
    /// The owner marker written into `other_config`.
    public var ownerTag: String
    /// How guest configuration reaches the VM.
    public var guestConfig: GuestConfig
    /// Cloud-config keys merged into every config drive's `user-data` (a mapping node).
    public var cloudInitUserData: ConfigNode?
    /// What a release does with the VM.
    public var onRelease: ReleaseMode
    /// Seconds between background readiness probes.
    public var probeIntervalSeconds: Double

    /// How the hostname and SSH keys reach the guest.
    public enum GuestConfig: String, Sendable, Equatable, CaseIterable {
        /// A NoCloud config drive (`cidata`), read by stock cloud images.
        case cloudInit = "cloud_init"
        /// xenstore `vm-data/*` keys only.
        case xenstore
    }

    /// What a release does with the VM.
    public enum ReleaseMode: Sendable, Equatable {
        /// Shut down and destroy it with its disks at once.
        case destroy
        /// Shut it down and keep it for `graceSeconds`; reconcile destroys it afterwards.
        case haltThenDestroy(graceSeconds: Double)
    }

    /// Creates a configuration.
    public init(
        url: XAPIEndpoint, usernameEnv: String = "XCPNG_USER", passwordEnv: String = "XCPNG_PASSWORD",
        template: String, sr: String? = nil, network: String, tls: TLSTrust = .system,
        ipWaitTimeoutSeconds: Double = 300, maxConcurrentTasks: Int = 2, callTimeoutSeconds: Double = 30,
        taskTimeoutSeconds: Double = 600, pollIntervalMilliseconds: Int = 1000, ownerTag: String = "provisioner",
        guestConfig: GuestConfig = .cloudInit, cloudInitUserData: ConfigNode? = nil, onRelease: ReleaseMode = .destroy,
        probeIntervalSeconds: Double = 10
    ) {
        self.url = url
        self.usernameEnv = usernameEnv
        self.passwordEnv = passwordEnv
        self.template = template
        self.sr = sr
        self.network = network
        self.tls = tls
        self.ipWaitTimeoutSeconds = ipWaitTimeoutSeconds
        self.maxConcurrentTasks = maxConcurrentTasks
        self.callTimeoutSeconds = callTimeoutSeconds
        self.taskTimeoutSeconds = taskTimeoutSeconds
        self.pollIntervalMilliseconds = pollIntervalMilliseconds
        self.ownerTag = ownerTag
        self.guestConfig = guestConfig
        self.cloudInitUserData = cloudInitUserData
        self.onRelease = onRelease
        self.probeIntervalSeconds = probeIntervalSeconds
    }

    /// What an operator should be warned about at startup (plain HTTP, no verification).
    public var startupWarnings: [String] {
        var warnings: [String] = []
        if url.scheme == "http" {
            warnings.append(
                "XCP-ng URL \(url) is plain http: credentials and VM data cross the network unencrypted (labs and fake-xapi only)"
            )
        }
        if tls == .insecure {
            warnings.append(
                "XCP-ng TLS verification is OFF (insecure: true): anyone on the path can impersonate the pool master")
        }
        return warnings
    }
}
