import Foundation

/// The configs and pool files the harness generates in its temp directory.
enum BenchFixtures {
    static let serviceToken = "bench-service-token-0123456789abcdef"
    static let adminSecret = "bench-admin-secret-0123456789abcdef"

    static var environment: [String: String] {
        [
            "PROVISIONER_SERVICE_TOKEN": serviceToken, "PROVISIONER_ADMIN_SECRET": adminSecret,
            "PROVISIONER_DASHBOARD_SECRET": "bench-dashboard-secret-0123456789",
            "LOG_LEVEL": ProcessInfo.processInfo.environment["BENCH_SERVER_LOG_LEVEL"] ?? "info",
        ]
    }

    /// Writes a pool file of `size` VMs and returns its path.
    static func writePool(size: Int, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("pool-\(size).json").path
        var json = "{\"pool\":[\n"
        json.reserveCapacity(size * 90)
        for index in 0..<size {
            if index > 0 { json += ",\n" }
            json += "{\"id\":\"\(poolVMID(index))\",\"ipv6\":\"\(poolVMIPv6(index))\"}"
        }
        json += "\n]}\n"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func poolVMID(_ index: Int) -> String { "pool-vm-\(index)" }

    /// A distinct documentation-range address per VM (two 16-bit groups, so past 65,535 too).
    static func poolVMIPv6(_ index: Int) -> String {
        "2001:db8::\(String(index >> 16, radix: 16)):\(String(index & 0xffff, radix: 16))"
    }

    /// A config for the pool backend (`reuse: immediate`, launch checks off, a free `trial` plan).
    static func poolConfig(poolFile: String, store: String, in directory: URL, name: String) throws -> String {
        try write(
            """
            store: { kind: sqlite, path: \(store) }
            provisioner:
              backend: pool
              pool: { file: \(poolFile), reuse: immediate }
            """, name: name, in: directory)
    }

    /// A config for the simulated backend with zero delay.
    static func simulatedConfig(store: String, in directory: URL, name: String) throws -> String {
        try write(
            """
            store: { kind: sqlite, path: \(store) }
            provisioner:
              backend: simulated
              simulated: { provision_delay_ms: 0, failure_rate: 0.0, ssh_banner_listener: false }
            """, name: name, in: directory)
    }

    /// The simulated backend taking `delayMilliseconds` per allocate, with the default worker
    /// config (its concurrency follows the backend).
    static func slowSimulatedConfig(store: String, delayMilliseconds: Int, in directory: URL, name: String) throws
        -> String
    {
        try write(
            """
            store: { kind: sqlite, path: \(store) }
            provisioner:
              backend: simulated
              simulated: { provision_delay_ms: \(delayMilliseconds), failure_rate: 0.0, ssh_banner_listener: false }
            """, name: name, in: directory)
    }

    static func write(_ provisioner: String, name: String, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("\(name).yaml").path
        let yaml = """
            server: { host: 127.0.0.1, port: 0 }
            \(provisioner)
            plans:
              trial: { vcpus: 1, memory_mib: 512, disk_gib: 5, price_cents: 0 }
              paid: { vcpus: 1, memory_mib: 512, disk_gib: 5, price_cents: 100 }
            limits: { max_paid_vms_per_user: 3 }
            launch_proof: { dns_aaaa: { enabled: false }, ssh_smoke: { enabled: false } }

            """
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
