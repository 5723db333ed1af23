import Foundation
public import ProvisionerAPI

extension HostConfiguration {
    /// Decodes and validates a whole config tree.
    ///
    /// - Parameters:
    ///   - root: The parsed config.
    ///   - backendKinds: The backend kinds this binary links; only these may be selected or
    ///     have a subtree under `provisioner:`.
    /// - Throws: ``ConfigError`` naming the key path and position of the first problem.
    public init(decoding root: ConfigNode, backendKinds: [String]) throws {
        self.init(source: root.source)
        let map = try root.mapping(allowing: [
            "server", "store", "provisioner", "plans", "limits", "launch_proof", "reconcile", "worker",
            "hosts", "gate",
        ])
        if let node = map.node("server") { server = try ServerConfiguration(decoding: node) }
        if let node = map.node("store") { store = try StoreConfiguration(decoding: node) }
        if let node = map.node("provisioner") {
            provisioner = try ProvisionerSelection(decoding: node, backendKinds: backendKinds)
        }
        if let node = map.node("plans") { plans = try Self.decodePlans(node) }
        if let node = map.node("limits") { limits = try LimitsConfiguration(decoding: node) }
        if let node = map.node("launch_proof") { launchProof = try LaunchProofConfiguration(decoding: node) }
        if let node = map.node("reconcile") { reconcile = try ReconcileConfiguration(decoding: node) }
        if let node = map.node("worker") { worker = try WorkerConfiguration(decoding: node) }
        if let node = map.node("hosts") { hosts = try HostsConfiguration(decoding: node) }
        if let node = map.node("gate") { gate = try GateConfiguration(decoding: node) }
    }

    static func decodePlans(_ node: ConfigNode) throws -> [String: PlanSpec] {
        guard case .mapping(let entries) = node.content, !entries.isEmpty else {
            throw ConfigError(node: node, message: "expected a mapping of plan names to plans, with at least one plan")
        }
        var plans: [String: PlanSpec] = [:]
        for entry in entries {
            guard entry.key.range(of: #"^[a-z0-9][a-z0-9_-]{0,62}$"#, options: .regularExpression) != nil else {
                throw ConfigError(
                    node: entry.value,
                    message: "plan name '\(entry.key)' must be lowercase letters, digits, '-' or '_' (at most 63)")
            }
            let plan = try entry.value.mapping(allowing: ["vcpus", "memory_mib", "disk_gib", "price_cents"])
            plans[entry.key] = PlanSpec(
                name: entry.key,
                vcpus: try plan.int("vcpus", default: 1, in: 1...512),
                memoryMiB: try plan.int("memory_mib", default: 1024, in: 64...4_194_304),
                diskGiB: try plan.int("disk_gib", default: 10, in: 1...65_536),
                priceCents: try plan.int("price_cents", default: 0, in: 0...100_000_000))
        }
        return plans
    }
}

extension ServerConfiguration {
    init(decoding node: ConfigNode) throws {
        self.init()
        let map = try node.mapping(allowing: [
            "host", "port", "admin_secret_env", "service_token_env", "max_body_bytes", "dashboard_secret_env",
            "dashboard_link_ttl_s", "read_timeout_s", "idle_timeout_s",
        ])
        host = try map.string("host", default: host)
        if host.isEmpty { throw ConfigError(node: map.node("host"), message: "host must not be empty") }
        port = try map.int("port", default: port, in: 0...65_535)
        adminSecretEnv = try map.envVarName("admin_secret_env", default: adminSecretEnv)
        serviceTokenEnv = try map.envVarName("service_token_env", default: serviceTokenEnv)
        maxBodyBytes = try map.int("max_body_bytes", default: maxBodyBytes, in: 1...67_108_864)
        dashboardSecretEnv = try map.envVarName("dashboard_secret_env", default: dashboardSecretEnv)
        dashboardLinkTTLSeconds = try map.int(
            "dashboard_link_ttl_s", default: dashboardLinkTTLSeconds, in: 60...2_592_000)
        readTimeoutSeconds = try map.double("read_timeout_s", default: readTimeoutSeconds, in: 0.1...3600)
        idleTimeoutSeconds = try map.double("idle_timeout_s", default: idleTimeoutSeconds, in: 0.1...86_400)
    }
}

extension StoreConfiguration {
    init(decoding node: ConfigNode) throws {
        self.init()
        let map = try node.mapping(allowing: ["kind", "path", "synchronous", "url_env", "max_connections"])
        kind = try map.string("kind", default: kind)
        guard ["sqlite", "postgres"].contains(kind) else {
            throw ConfigError(
                node: map.node("kind"), message: "unknown store kind '\(kind)'; this build supports: sqlite, postgres")
        }
        urlEnv = try map.envVarName("url_env", default: urlEnv)
        maxConnections = try map.int("max_connections", default: maxConnections, in: 1...1_000)
        path = try map.string("path", default: path)
        if path.isEmpty { throw ConfigError(node: map.node("path"), message: "path must not be empty") }
        synchronous = try map.string("synchronous", default: synchronous).lowercased()
        guard ["full", "normal"].contains(synchronous) else {
            throw ConfigError(
                node: map.node("synchronous"), message: "expected 'full' or 'normal', found '\(synchronous)'")
        }
    }
}

extension ProvisionerSelection {
    init(decoding node: ConfigNode, backendKinds: [String]) throws {
        self.init()
        let map = try node.mapping(allowing: ["backend", "require_real"] + backendKinds)
        backend = try map.string("backend", default: backend)
        backendNode = map.node("backend")
        guard backendKinds.contains(backend) else {
            var message = "unknown backend '\(backend)'; this build links: \(backendKinds.joined(separator: ", "))"
            if let close = KeySuggestion.closest(to: backend, among: backendKinds) {
                message += "; did you mean '\(close)'?"
            }
            throw ConfigError(node: backendNode, message: message)
        }
        requireReal = try map.bool("require_real", default: requireReal)
        requireRealNode = map.node("require_real")
        for kind in backendKinds {
            if let subtree = map.node(kind) { backendNodes[kind] = subtree }
        }
    }
}

extension LimitsConfiguration {
    init(decoding node: ConfigNode) throws {
        self.init()
        let map = try node.mapping(allowing: ["max_paid_vms_per_user", "blocked_ports", "payment_window_s"])
        maxPaidVMsPerUser = try map.int("max_paid_vms_per_user", default: maxPaidVMsPerUser, in: 0...1_000_000)
        paymentWindowSeconds = try map.int("payment_window_s", default: paymentWindowSeconds, in: 1...31_536_000)
        if let ports = map.node("blocked_ports") {
            blockedPorts = Set(try ports.asList { try $0.asInt(in: 1...65_535) })
        }
    }
}

extension LaunchProofConfiguration {
    init(decoding node: ConfigNode) throws {
        self.init()
        let map = try node.mapping(allowing: ["dns_aaaa", "ssh_smoke"])
        if let dns = map.node("dns_aaaa") {
            let dnsMap = try dns.mapping(allowing: ["enabled", "resolver", "static_records"])
            dnsAAAAEnabled = try dnsMap.bool("enabled", default: dnsAAAAEnabled)
            dnsResolver = try dnsMap.string("resolver", default: dnsResolver)
            guard ["system", "static"].contains(dnsResolver) else {
                throw ConfigError(
                    node: dnsMap.node("resolver"), message: "expected 'system' or 'static', found '\(dnsResolver)'")
            }
            if let records = dnsMap.node("static_records") {
                guard dnsResolver == "static" else {
                    throw ConfigError(node: records, message: "static_records needs resolver: static")
                }
                guard case .mapping(let entries) = records.content else {
                    throw ConfigError(node: records, message: "expected a mapping of hostnames to IPv6 address lists")
                }
                for entry in entries {
                    dnsStaticRecords[entry.key.lowercased()] = try entry.value.asList { item in
                        let address = try item.asString()
                        guard IPv6Address(address) != nil else {
                            throw ConfigError(node: item, message: "'\(address)' is not an IPv6 address")
                        }
                        return address
                    }
                }
            }
        }
        if let ssh = map.node("ssh_smoke") {
            let sshMap = try ssh.mapping(allowing: ["enabled", "timeout_s"])
            sshSmokeEnabled = try sshMap.bool("enabled", default: sshSmokeEnabled)
            sshSmokeTimeoutSeconds = try sshMap.int("timeout_s", default: sshSmokeTimeoutSeconds, in: 1...300)
        }
    }
}

extension ReconcileConfiguration {
    init(decoding node: ConfigNode) throws {
        self.init()
        let map = try node.mapping(allowing: [
            "interval_s", "stale_after_s", "down_after_s", "concurrency", "provisioning_deadline_s",
            "releasing_deadline_s", "cleaning_deadline_s", "converge",
        ])
        concurrency = try map.int("concurrency", default: concurrency, in: 1...256)
        provisioningDeadlineSeconds = try map.int(
            "provisioning_deadline_s", default: provisioningDeadlineSeconds, in: 1...604_800)
        releasingDeadlineSeconds = try map.int(
            "releasing_deadline_s", default: releasingDeadlineSeconds, in: 1...604_800)
        cleaningDeadlineSeconds = try map.int("cleaning_deadline_s", default: cleaningDeadlineSeconds, in: 1...604_800)
        converge = try map.bool("converge", default: converge)
        intervalSeconds = try map.int("interval_s", default: intervalSeconds, in: 1...604_800)
        staleAfterSeconds = try map.int("stale_after_s", default: staleAfterSeconds, in: 1...604_800)
        downAfterSeconds = try map.int("down_after_s", default: downAfterSeconds, in: 1...604_800)
        guard downAfterSeconds >= staleAfterSeconds else {
            throw ConfigError(
                node: map.node("down_after_s") ?? node,
                message: "down_after_s (\(downAfterSeconds)) must not be less than stale_after_s (\(staleAfterSeconds))"
            )
        }
    }
}

extension WorkerConfiguration {
    init(decoding node: ConfigNode) throws {
        self.init()
        let map = try node.mapping(allowing: ["concurrency", "lease_s", "poll_interval_ms", "node_id"])
        if let idNode = map.node("node_id") {
            let id = try idNode.asString()
            guard (1...100).contains(id.count), !id.contains("/"), id.allSatisfy({ $0.isASCII && !$0.isWhitespace })
            else { throw ConfigError(node: idNode, message: "expected 1-100 visible ASCII characters without '/'") }
            nodeID = id
        }
        concurrency = try map.int("concurrency", default: concurrency, in: 1...1024)
        concurrencyIsConfigured = map.node("concurrency") != nil
        leaseSeconds = try map.int("lease_s", default: leaseSeconds, in: 5...86_400)
        pollIntervalMilliseconds = try map.int("poll_interval_ms", default: pollIntervalMilliseconds, in: 10...60_000)
    }
}
