import Foundation
import GRDB
import Host

/// The durability ceiling: single-row durable SQLite transactions (one allocation-sized INSERT
/// each) on the same disk, the server's schema and the server's settings (WAL, `synchronous=FULL`).
struct CeilingResult: Codable, Sendable {
    var writers: Int
    var seconds: Double
    var commits: Int
    var commitsPerSecond: Double
    var latency: LatencySummary
}

enum DurabilityCeiling {
    static func measure(directory: URL, writers: Int, duration: Duration) async throws -> CeilingResult {
        let path = directory.appendingPathComponent("ceiling-\(writers).sqlite").path
        let store = try SQLiteStore(path: path, synchronous: "full")
        try await store.migrate()
        try await store.close()
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        defer { try? pool.close() }
        // GRDB sets `synchronous = NORMAL` when it turns WAL on, after `prepareDatabase` ran.
        let level = try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            return try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
        guard level == 2 else {
            throw BenchError("the ceiling database commits at synchronous \(level ?? -1), not FULL")
        }
        let mode = try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        guard mode == "wal" else { throw BenchError("the ceiling database is not in WAL mode (\(mode ?? "?"))") }

        let vm = String(
            repeating: "{\"backend_ref\":\"pool-vm-12345\",\"ipv6\":\"2001:db8::3039\",\"ssh_port\":22}", count: 4)
        let (results, elapsed) = await LoadClient.closedLoop(clients: writers, duration: duration) {
            writer, deadline in
            var latency = LatencyRecorder()
            let clock = ContinuousClock()
            var sequence = 0
            while clock.now < deadline {
                sequence += 1
                let id = "vm-ceiling-\(writer)-\(sequence)-\(UUID().uuidString.lowercased())"
                let user = "user-\(writer)-\(sequence)"
                let now = Date().timeIntervalSince1970
                let start = clock.now
                do {
                    try await pool.write { db in
                        try db.execute(
                            sql: """
                                INSERT INTO allocations (id, user_id, plan, price_cents, backend, is_demo, ssh_keys,
                                    open_ports, metadata, state, payment_status, customer_message, vm,
                                    idempotency_key, request_fingerprint, created_at, updated_at, provisioned_at)
                                VALUES (?, ?, 'trial', 0, 'pool', 0, '[]', '[]', '{}', 'provisioned', 'not_required',
                                    'Your machine is ready.', ?, ?, ?, ?, ?, ?)
                                """,
                            arguments: [
                                id, user, vm, "key-\(id)", String(repeating: "f", count: 64),
                                now, now, now,
                            ])
                    }
                } catch {
                    continue
                }
                latency.record(clock.now - start)
            }
            return latency
        }
        var latency = LatencyRecorder()
        for result in results { latency.merge(result) }
        return CeilingResult(
            writers: writers, seconds: elapsed.seconds, commits: latency.count,
            commitsPerSecond: Double(latency.count) / elapsed.seconds, latency: latency.summary)
    }
}
