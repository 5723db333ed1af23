import Foundation

/// The host's own figures an agent reports, read from `/proc` and `statvfs("/")`.
struct HostFigures: Sendable, Equatable {
    var hostname: String
    /// CPU busy share over a short sample of `/proc/stat`, 0...100.
    var cpuPercent: Double?
    /// `(MemTotal - MemAvailable) / MemTotal` from `/proc/meminfo`, 0...100.
    var memPercent: Double?
    /// Used share of the filesystem holding `/`, 0...100.
    var diskPercent: Double?
    /// Seconds since boot, from `/proc/uptime`.
    var uptimeSeconds: Int?
    /// The 1-minute load average, from `/proc/loadavg` (logged; not part of the report body).
    var load1: Double?

    /// Reads the figures of this machine; a figure that cannot be read is `nil`.
    ///
    /// - Parameter cpuSample: How long to sample `/proc/stat` for the CPU share.
    static func read(proc: String = "/proc", cpuSample: Duration = .milliseconds(250)) async -> HostFigures {
        let first = read(proc + "/stat").flatMap(CPUTimes.init(stat:))
        try? await Task.sleep(for: cpuSample)
        let second = read(proc + "/stat").flatMap(CPUTimes.init(stat:))
        let hostname =
            read(proc + "/sys/kernel/hostname")?.trimmingCharacters(in: .whitespacesAndNewlines)
            ?? ProcessInfo.processInfo.hostName
        return HostFigures(
            hostname: hostname,
            cpuPercent: first.flatMap { a in second.flatMap { b in CPUTimes.busyPercent(from: a, to: b) } },
            memPercent: read(proc + "/meminfo").flatMap(memPercent(meminfo:)),
            diskPercent: diskPercent(path: "/"),
            uptimeSeconds: read(proc + "/uptime").flatMap(uptimeSeconds(uptime:)),
            load1: read(proc + "/loadavg").flatMap(load1(loadavg:)))
    }

    private static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The used share of memory from `/proc/meminfo` text.
    static func memPercent(meminfo: String) -> Double? {
        var values: [String: Double] = [:]
        for line in meminfo.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
            if parts.count >= 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
        }
        guard let total = values["MemTotal"], total > 0, let available = values["MemAvailable"] else { return nil }
        return rounded((total - available) / total * 100)
    }

    /// Whole seconds since boot from `/proc/uptime` text.
    static func uptimeSeconds(uptime: String) -> Int? {
        uptime.split(separator: " ").first.flatMap { Double($0) }.map { Int($0) }
    }

    /// The 1-minute load average from `/proc/loadavg` text.
    static func load1(loadavg: String) -> Double? {
        loadavg.split(separator: " ").first.flatMap { Double($0) }
    }

    /// The used share of the filesystem holding `path`.
    static func diskPercent(path: String) -> Double? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0, stats.f_blocks > 0 else { return nil }
        let total = Double(stats.f_blocks)
        let free = Double(stats.f_bfree)
        return rounded((total - free) / total * 100)
    }

    static func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }
}

/// The aggregate CPU line of `/proc/stat`: busy and total jiffies.
struct CPUTimes: Sendable, Equatable {
    var busy: Double
    var total: Double

    /// Parses the first (`cpu `) line of `/proc/stat` text.
    init?(stat: String) {
        guard let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 4 else { return nil }
        // user nice system idle iowait irq softirq steal ...; idle and iowait are not busy.
        let idle = fields[3] + (fields.count > 4 ? fields[4] : 0)
        total = fields.prefix(8).reduce(0, +)
        busy = total - idle
    }

    /// The busy share between two samples, 0...100; `nil` when no time passed.
    static func busyPercent(from a: CPUTimes, to b: CPUTimes) -> Double? {
        let total = b.total - a.total
        guard total > 0 else { return nil }
        return HostFigures.rounded(min(100, max(0, (b.busy - a.busy) / total * 100)))
    }
}
