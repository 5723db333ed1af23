public import ProvisionerAPI

/// Config of the pool backend, the subtree `provisioner.pool`.
///
/// Keys:
/// - `source_env` (env var name, optional, default `VM_POOL_JSON`): an environment variable holding
///   the pool as JSON; used when set and not empty, before `file` and `vms`.
/// - `file` (path, optional): a JSON file holding the pool; used when the env var is unset.
/// - `vms` (list, optional): the pool written inline; used when neither of the above gives one.
///   Pool JSON is a bare array of VMs or `{"pool": [...]}`; a VM has `id` (required, unique),
///   `name`, `ipv4`, `ipv6`, `ssh_host`, `ssh_port`, `cockpit_url`, `plans` (absent = every plan),
///   `tags`, `status` (`available` or `maintenance`, default `available`).
/// - `reuse` (string, optional, default `after_hook`): `after_hook` keeps a released VM in
///   `cleaning` until its release hook succeeded; `immediate` hands it out again at once.
/// - `release_hook` (mapping, optional): absent means the hook only logs. Keys:
///   - `deployer_url` (http(s) URL, required): receives a POST of the released allocation.
///   - `token_env` (env var name, optional): sent as `Authorization: Bearer <value>`.
///   - `max_attempts` (integer, optional, default 5, 1...50).
///   - `initial_backoff_ms` (integer, optional, default 500, 1...600000): doubled per attempt.
///   - `max_backoff_ms` (integer, optional, default 30000, 1...3600000).
///   - `timeout_s` (integer, optional, default 10, 1...600): per attempt.
public struct PoolAssignmentProvisionerConfiguration: Sendable, Equatable {
    /// When a released VM may be handed out again.
    public enum Reuse: String, Sendable, Equatable, CaseIterable {
        case afterHook = "after_hook"
        case immediate
    }

    /// Where the release hook sends released allocations, and how hard it tries.
    public struct ReleaseHook: Sendable, Equatable {
        public var deployerURL: String
        public var tokenEnv: String?
        public var maxAttempts: Int
        public var initialBackoffMilliseconds: Int
        public var maxBackoffMilliseconds: Int
        public var timeoutSeconds: Int

        /// Creates a hook configuration.
        public init(
            deployerURL: String, tokenEnv: String? = nil, maxAttempts: Int = 5, initialBackoffMilliseconds: Int = 500,
            maxBackoffMilliseconds: Int = 30_000, timeoutSeconds: Int = 10
        ) {
            self.deployerURL = deployerURL
            self.tokenEnv = tokenEnv
            self.maxAttempts = maxAttempts
            self.initialBackoffMilliseconds = initialBackoffMilliseconds
            self.maxBackoffMilliseconds = maxBackoffMilliseconds
            self.timeoutSeconds = timeoutSeconds
        }

        enum Keys: String, CaseIterable {
            case deployerURL = "deployer_url"
            case tokenEnv = "token_env"
            case maxAttempts = "max_attempts"
            case initialBackoffMilliseconds = "initial_backoff_ms"
            case maxBackoffMilliseconds = "max_backoff_ms"
            case timeoutSeconds = "timeout_s"
        }
    }

    public var sourceEnv: String
    public var file: String?
    /// The inline pool, already validated.
    public var inlineVMs: [PoolVM]?
    public var reuse: Reuse
    public var releaseHook: ReleaseHook?

    /// Creates a configuration.
    public init(
        sourceEnv: String = "VM_POOL_JSON", file: String? = nil, inlineVMs: [PoolVM]? = nil,
        reuse: Reuse = .afterHook, releaseHook: ReleaseHook? = nil
    ) {
        self.sourceEnv = sourceEnv
        self.file = file
        self.inlineVMs = inlineVMs
        self.reuse = reuse
        self.releaseHook = releaseHook
    }

    enum Keys: String, CaseIterable {
        case sourceEnv = "source_env"
        case file
        case vms
        case reuse
        case releaseHook = "release_hook"
    }

    /// Decodes the `provisioner.pool` subtree.
    ///
    /// - Throws: ``ConfigError`` naming the key and position of a bad value.
    public init(decoding node: ConfigNode?) throws {
        self.init()
        guard let node else { return }
        let map = try node.mapping(allowing: Keys.self)
        sourceEnv = try map.envVarName(Keys.sourceEnv.rawValue, default: sourceEnv)
        file = try map.string(Keys.file.rawValue)
        inlineVMs = try map.node(Keys.vms.rawValue).map(PoolCatalogYAML.decode)
        let reuseText = try map.string(Keys.reuse.rawValue, default: reuse.rawValue)
        guard let reuse = Reuse(rawValue: reuseText) else {
            throw ConfigError(
                node: map.node(Keys.reuse.rawValue),
                message: "expected 'after_hook' or 'immediate', got '\(reuseText)'")
        }
        self.reuse = reuse
        if let hookNode = map.node(Keys.releaseHook.rawValue) {
            let hook = try hookNode.mapping(allowing: ReleaseHook.Keys.self)
            let urlNode = try hook.required(ReleaseHook.Keys.deployerURL.rawValue)
            let url = try urlNode.asString()
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigError(node: urlNode, message: "expected an http:// or https:// URL")
            }
            releaseHook = ReleaseHook(
                deployerURL: url,
                tokenEnv: try hook.node(ReleaseHook.Keys.tokenEnv.rawValue) == nil
                    ? nil : hook.envVarName(ReleaseHook.Keys.tokenEnv.rawValue, default: ""),
                maxAttempts: try hook.int(ReleaseHook.Keys.maxAttempts.rawValue, default: 5, in: 1...50),
                initialBackoffMilliseconds: try hook.int(
                    ReleaseHook.Keys.initialBackoffMilliseconds.rawValue, default: 500, in: 1...600_000),
                maxBackoffMilliseconds: try hook.int(
                    ReleaseHook.Keys.maxBackoffMilliseconds.rawValue, default: 30_000, in: 1...3_600_000),
                timeoutSeconds: try hook.int(ReleaseHook.Keys.timeoutSeconds.rawValue, default: 10, in: 1...600))
        }
    }
}
