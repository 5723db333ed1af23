import Foundation
import Host
import Logging
import Testing

/// Two dead-man's switches on two `PostgresStore`s sharing one database, as two Host replicas run
/// them: each transition is announced once between them.
struct PostgresStoreHostReplicaTests {
    @Test(.timeLimit(.minutes(2)))
    func twoReplicasCheckingTogetherAnnounceEachTransitionOnce() async throws {
        try await TestPostgres.withDatabase { url in
            try await withMigratedStore(try TestPostgres.store(url: url)) { a in
                try await withMigratedStore(try TestPostgres.store(url: url)) { b in
                    let start = Date()
                    let clock = TestClock(start)
                    var configuration = HostsConfiguration()
                    configuration.staleAfterSeconds = 30
                    configuration.downAfterSeconds = 60
                    let logger = Logger(label: "test.hosts", factory: { _ in SwiftLogNoOpLogHandler() })
                    let checkers = [a, b].map { store in
                        HostHealthChecker(
                            store: store, configuration: configuration, metrics: ServiceMetrics(),
                            backendName: "simulated", logger: logger, now: { clock.now })
                    }
                    for index in 0..<20 {
                        try await a.insertHost(
                            StoreHostsTests.host("h\(index)-0000000\(index % 10)", key: "k\(index)", now: start),
                            audit: StoreHostsTests.audit("host.minted"))
                        _ = try await b.recordHostReport(
                            StoreHostsTests.report("h\(index)-0000000\(index % 10)", at: start), body: "{}")
                    }
                    // ok (silent), stale, down, then each host reports again: recovered.
                    for (advance, reportAgain) in [(1.0, false), (31, false), (61, false), (62, true)] {
                        clock.set(start.addingTimeInterval(advance))
                        if reportAgain {
                            for host in try await a.hosts() {
                                _ = try await a.recordHostReport(
                                    StoreHostsTests.report(host.hostID, at: clock.now), body: "{}")
                            }
                        }
                        // Eight rounds of both replicas at once.
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            for round in 0..<8 {
                                let checker = checkers[round % 2]
                                group.addTask { _ = try await checker.check() }
                            }
                            try await group.waitForAll()
                        }
                    }
                    for kind in ["host_stale", "host_down", "host_recovered"] {
                        let events = try await a.lifecycleEvents(matching: .init(kind: kind), limit: 500, beforeID: nil)
                        #expect(events.count == 20, "\(kind): \(events.count)")
                        #expect(Set(events.compactMap(\.hostID)).count == 20)
                    }
                }
            }
        }
    }
}
