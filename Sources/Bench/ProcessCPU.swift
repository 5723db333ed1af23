import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// CPU time (user + system) that processes spent, from the kernel's own accounting: what a load
/// phase cost the server and the load client, so the bench can say how many cycles per second the
/// machine's cores allow at that cost.
enum ProcessCPU {
    /// CPU seconds process `pid` has used so far (`utime` + `stime`, fields 14 and 15 of
    /// /proc/PID/stat), or nil when the process is gone.
    static func seconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let commandEnd = text.lastIndex(of: ")")
        else { return nil }
        // After the command name, which may hold spaces: field 3 (state) onwards.
        let fields = text[text.index(after: commandEnd)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU seconds used by every child process this process has waited for (`RUSAGE_CHILDREN`):
    /// its difference across one child's run is that child's CPU time.
    static func waitedChildrenSeconds() -> Double {
        var usage = rusage()
        _ = getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000
    }
}
