public import ProvisionerAPI

extension XCPNGProvisionerConfiguration {
    enum Keys: String, CaseIterable {
        case url
        case usernameEnv = "username_env"
        case passwordEnv = "password_env"
        case template
        case sr
        case network
        case tls
        case insecure
        case ipWaitTimeoutSeconds = "ip_wait_timeout_s"
        case maxConcurrentTasks = "max_concurrent_tasks"
        case callTimeoutSeconds = "call_timeout_s"
        case taskTimeoutSeconds = "task_timeout_s"
        case pollIntervalMilliseconds = "poll_interval_ms"
        case ownerTag = "owner_tag"
        case guestConfig = "guest_config"
        case cloudInit = "cloud_init"
        case onRelease = "on_release"
        case probeIntervalSeconds = "probe_interval_s"
    }

    enum CloudInitKeys: String, CaseIterable {
        case userData = "user_data"
    }

    enum OnReleaseKeys: String, CaseIterable {
        case mode
        case graceSeconds = "grace_s"
    }

    enum TLSKeys: String, CaseIterable {
        case caFile = "ca_file"
        case fingerprintSHA256 = "fingerprint_sha256"
    }

    /// Decodes the `provisioner.xcpng` subtree.
    ///
    /// - Parameter node: The subtree; `nil` when absent (an error: `url` and friends are required).
    /// - Throws: ``ConfigError`` naming the key and position of a bad or missing value.
    public init(decoding node: ConfigNode?) throws {
        guard let node else {
            throw ConfigError(
                node: nil, message: "backend 'xcpng' needs a provisioner.xcpng section (url, template, network)")
        }
        let map = try node.mapping(allowing: Keys.self)
        let urlNode = try map.required(Keys.url.rawValue)
        guard let url = XAPIEndpoint(url: try urlNode.asString()) else {
            throw ConfigError(node: urlNode, message: "expected an http:// or https:// URL with a host")
        }
        self.init(
            url: url,
            template: try Self.nonEmpty(map, Keys.template),
            network: try Self.nonEmpty(map, Keys.network))
        usernameEnv = try map.envVarName(Keys.usernameEnv.rawValue, default: usernameEnv)
        passwordEnv = try map.envVarName(Keys.passwordEnv.rawValue, default: passwordEnv)
        if map.node(Keys.sr.rawValue) != nil { sr = try Self.nonEmpty(map, Keys.sr) }
        ipWaitTimeoutSeconds = try map.double(
            Keys.ipWaitTimeoutSeconds.rawValue, default: ipWaitTimeoutSeconds, in: 0.05...86_400)
        maxConcurrentTasks = try map.int(Keys.maxConcurrentTasks.rawValue, default: maxConcurrentTasks, in: 1...64)
        callTimeoutSeconds = try map.double(
            Keys.callTimeoutSeconds.rawValue, default: callTimeoutSeconds, in: 0.05...3600)
        taskTimeoutSeconds = try map.double(
            Keys.taskTimeoutSeconds.rawValue, default: taskTimeoutSeconds, in: 0.05...86_400)
        pollIntervalMilliseconds = try map.int(
            Keys.pollIntervalMilliseconds.rawValue, default: pollIntervalMilliseconds, in: 1...60_000)
        ownerTag = try map.node(Keys.ownerTag.rawValue).map { _ in try Self.nonEmpty(map, Keys.ownerTag) } ?? ownerTag
        tls = try Self.decodeTLS(map)
        if let node = map.node(Keys.guestConfig.rawValue) {
            let text = try node.asString()
            guard let mode = GuestConfig(rawValue: text) else {
                throw ConfigError(
                    node: node,
                    message:
                        "expected one of \(GuestConfig.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'"
                )
            }
            guestConfig = mode
        }
        if let node = map.node(Keys.cloudInit.rawValue) {
            let cloudInit = try node.mapping(allowing: CloudInitKeys.self)
            if let userData = cloudInit.node(CloudInitKeys.userData.rawValue) {
                guard case .mapping = userData.content else {
                    throw ConfigError(
                        node: userData,
                        message: "expected a mapping of cloud-config keys, got \(userData.kindDescription)")
                }
                cloudInitUserData = userData
            }
        }
        if let node = map.node(Keys.onRelease.rawValue) { onRelease = try Self.decodeOnRelease(node) }
        probeIntervalSeconds = try map.double(
            Keys.probeIntervalSeconds.rawValue, default: probeIntervalSeconds, in: 0.05...3600)
    }

    private static func decodeOnRelease(_ node: ConfigNode) throws -> ReleaseMode {
        let map = try node.mapping(allowing: OnReleaseKeys.self)
        let modeNode = map.node(OnReleaseKeys.mode.rawValue)
        let mode = try modeNode?.asString() ?? "destroy"
        let graceNode = map.node(OnReleaseKeys.graceSeconds.rawValue)
        switch mode {
        case "destroy":
            if let graceNode {
                throw ConfigError(node: graceNode, message: "grace_s applies only to mode: halt_then_destroy")
            }
            return .destroy
        case "halt_then_destroy":
            guard graceNode != nil else {
                throw ConfigError(
                    node: node, message: "mode: halt_then_destroy needs grace_s (seconds a released VM is kept)")
            }
            return .haltThenDestroy(
                graceSeconds: try map.double(OnReleaseKeys.graceSeconds.rawValue, default: 0, in: 1...31_536_000))
        default:
            throw ConfigError(node: modeNode, message: "expected destroy or halt_then_destroy, got '\(mode)'")
        }
    }

    private static func nonEmpty(_ map: ConfigMapping, _ key: Keys) throws -> String {
        let node = try map.required(key.rawValue)
        let text = try node.asString()
        guard !text.isEmpty else { throw ConfigError(node: node, message: "must not be empty") }
        return text
    }

    private static func decodeTLS(_ map: ConfigMapping) throws -> TLSTrust {
        let insecureNode = map.node(Keys.insecure.rawValue)
        let insecure = try map.bool(Keys.insecure.rawValue, default: false)
        var trust = TLSTrust.system
        if let tlsNode = map.node(Keys.tls.rawValue) {
            let tls = try tlsNode.mapping(allowing: TLSKeys.self)
            let caFile = try tls.string(TLSKeys.caFile.rawValue)
            let pinsNode = tls.node(TLSKeys.fingerprintSHA256.rawValue)
            if caFile != nil, let pinsNode {
                throw ConfigError(node: pinsNode, message: "set either ca_file or fingerprint_sha256, not both")
            }
            if let caFile {
                guard !caFile.isEmpty else {
                    throw ConfigError(node: try tls.required(TLSKeys.caFile.rawValue), message: "must not be empty")
                }
                trust = .caFile(caFile)
            }
            if let pinsNode { trust = .pinned(try decodePins(pinsNode)) }
        }
        if insecure {
            guard trust == .system else {
                throw ConfigError(
                    node: insecureNode,
                    message: "insecure: true cannot be combined with tls.ca_file or a pinned fingerprint")
            }
            return .insecure
        }
        return trust
    }

    private static func decodePins(_ node: ConfigNode) throws -> [String] {
        let items: [ConfigNode]
        if case .sequence(let list) = node.content { items = list } else { items = [node] }
        guard !items.isEmpty else { throw ConfigError(node: node, message: "expected at least one fingerprint") }
        return try items.map { item in
            let text = try item.asString()
            guard let pin = CertificateFingerprint.normalized(text) else {
                throw ConfigError(
                    node: item, message: "expected a SHA-256 fingerprint: 64 hex digits, optionally colon-separated")
            }
            return pin
        }
    }
}
