import Foundation
import Host
import PostgresNIO

/// The durable-commit ceiling of the PostgreSQL server: single-row INSERTs of an allocation-sized
/// row, each its own transaction (autocommit), into the server's own schema, on `writers`
/// connections at once. Like ``DurabilityCeiling`` for SQLite, it is what one commit costs on
/// this machine with the server's settings (which the table prints: `fsync`, `synchronous_commit`).
enum PostgresCeiling {
    static func measure(_ postgres: BenchPostgres, database: String, writers: Int, duration: Duration) async throws
        -> CeilingResult
    {
        let vm = String(
            repeating: "{\"backend_ref\":\"pool-vm-12345\",\"ipv6\":\"2001:db8::3039\",\"ssh_port\":22}", count: 4)
        var connections: [PostgresConnection] = []
        do {
            for _ in 0..<writers { connections.append(try await postgres.connect(database: database)) }
        } catch {
            for connection in connections { try? await connection.close() }
            throw error
        }
        let pool = connections
        let (results, elapsed) = await LoadClient.closedLoop(clients: writers, duration: duration) {
            writer, deadline in
            let connection = pool[writer]
            var latency = LatencyRecorder()
            var failures = 0
            let clock = ContinuousClock()
            var sequence = 0
            while clock.now < deadline {
                sequence += 1
                let id = "vm-ceiling-\(writer)-\(sequence)-\(UUID().uuidString.lowercased())"
                let user = "user-\(writer)-\(sequence)"
                let key = "key-\(id)"
                let fingerprint = String(repeating: "f", count: 64)
                let now = Date().timeIntervalSince1970
                let start = clock.now
                do {
                    try await connection.query(
                        """
                        INSERT INTO allocations (id, user_id, plan, price_cents, backend, is_demo, ssh_keys,
                            open_ports, metadata, state, payment_status, customer_message, vm,
                            idempotency_key, request_fingerprint, created_at, updated_at, provisioned_at)
                        VALUES (\(id), \(user), 'trial', 0, 'pool', false, '[]', '[]', '{}', 'provisioned',
                            'not_required', 'Your machine is ready.', \(vm), \(key), \(fingerprint),
                            \(now), \(now), \(now))
                        """, logger: BenchPostgres.logger)
                } catch {
                    failures += 1
                    continue
                }
                latency.record(clock.now - start)
            }
            return (latency, failures)
        }
        for connection in pool { try? await connection.close() }
        if let failures = results.first(where: { $0.1 > 0 })?.1 {
            throw BenchError("\(failures) PostgreSQL ceiling INSERT(s) failed (\(writers) writers)")
        }
        var latency = LatencyRecorder()
        for result in results { latency.merge(result.0) }
        return CeilingResult(
            writers: writers, seconds: elapsed.seconds, commits: latency.count,
            commitsPerSecond: Double(latency.count) / elapsed.seconds, latency: latency.summary)
    }

    /// A fresh database with the server's schema, migrated by the server's own code.
    static func prepare(_ postgres: BenchPostgres, database: String) async throws {
        try await postgres.createDatabase(database)
        let store = try PostgresStore(
            url: postgres.url(database: database), maxConnections: 1, logger: BenchPostgres.logger)
        try await store.migrate()
    }
}
