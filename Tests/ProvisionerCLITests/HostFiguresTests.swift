import Foundation
import Testing

@testable import ProvisionerCLI

/// The agent's readings of /proc: parsed from known text, and read from this machine for real.
struct HostFiguresTests {
    @Test func procTextIsParsed() throws {
        let meminfo = "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    4000000 kB\n"
        #expect(HostFigures.memPercent(meminfo: meminfo) == 75)
        #expect(HostFigures.memPercent(meminfo: "MemFree: 1 kB\n") == nil)
        #expect(HostFigures.uptimeSeconds(uptime: "864000.57 3400000.10\n") == 864_000)
        #expect(HostFigures.load1(loadavg: "0.42 0.30 0.25 1/123 4567\n") == 0.42)
        let before = try #require(CPUTimes(stat: "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\n"))
        let after = try #require(CPUTimes(stat: "cpu  150 0 150 750 150 0 0 0 0 0\n"))
        // 100 busy jiffies of 200: 50 %.
        #expect(CPUTimes.busyPercent(from: before, to: after) == 50)
        #expect(CPUTimes.busyPercent(from: before, to: before) == nil)
        #expect(CPUTimes(stat: "intr 1 2 3\n") == nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func thisMachinesFiguresAreRead() async throws {
        let figures = await HostFigures.read(cpuSample: .milliseconds(50))
        #expect(!figures.hostname.isEmpty)
        #expect(figures.memPercent.map { (0...100).contains($0) } == true)
        #expect(figures.diskPercent.map { (0...100).contains($0) } == true)
        #expect(figures.uptimeSeconds.map { $0 > 0 } == true)
        #expect(figures.load1 != nil)
    }

    @Test func theReportBodyCarriesTheFiguresAndNoGuests() throws {
        let agent = HostAgent(server: "http://127.0.0.1:1", hostID: "fra1-0a1b2c3d", apiKey: "k")
        let figures = HostFigures(
            hostname: "fra1", cpuPercent: 12.5, memPercent: 40, diskPercent: nil, uptimeSeconds: 9, load1: 0.1)
        let body = try agent.body(figures, now: Date(timeIntervalSince1970: 1_795_773_600))
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(object["host_id"] as? String == "fra1-0a1b2c3d")
        #expect(object["reported_at"] as? String == "2026-11-27T10:00:00Z")
        #expect(object["agent_version"] as? String == HostAgent.version)
        let host = try #require(object["host"] as? [String: Any])
        #expect(host["hostname"] as? String == "fra1" && host["uptime_s"] as? Int == 9)
        #expect(host["disk_percent"] == nil)
        #expect((object["guests"] as? [Any])?.isEmpty == true)
    }
}
