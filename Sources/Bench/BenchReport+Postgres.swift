import Foundation

extension BenchReport {
    /// The PostgreSQL rows, printed right below the SQLite cycle rows: the server's own ceiling,
    /// the two-replica cycles with their ratio to the SQLite pool row at the same client count,
    /// and the database check afterwards.
    func postgresReplicasLines() -> [String] {
        func f(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
        guard let postgres = postgresReplicas else { return [] }
        if let skipped = postgres.skipped {
            return ["", "PostgreSQL, 2 replicas: SKIPPED, \(skipped)"]
        }
        var lines: [String] = [""]
        let durability =
            "fsync=\(postgres.fsync), synchronous_commit=\(postgres.synchronousCommit)"
            + (postgres.durable ? "" : ", NOT durable: compare with care")
        lines.append(
            "PostgreSQL \(postgres.serverVersion) on loopback (\(durability)), \(postgres.replicas) replicas "
                + "(`provisioner serve` x2, one database, pool of \(postgres.poolSize) VMs, the store's default "
                + "connection pool each); every client's requests alternate between the replicas.")
        lines.append("")
        lines.append("| limit (same run) | rate | p50 / p99 / max ms |")
        lines.append("|---|---|---|")
        for result in postgres.ceiling {
            lines.append(
                "| PostgreSQL commits/s, \(result.writers) connection(s) (1 allocation-row INSERT, settings above) | "
                    + "\(f(result.commitsPerSecond)) | \(result.latency.text) |")
        }
        lines.append("")
        lines.append(
            "| cycle on PostgreSQL, 2 replicas | clients | cycles/s | x SQLite pool | x PG ceiling | create ms | "
                + "to provisioned ms | release ms | transactions / commits per cycle | errors |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        let ceiling = max(postgres.ceilingCommitsPerSecond, 1)
        for cycle in postgres.cycles {
            let sqlite = self.cycle("pool", cycle.clients)?.cyclesPerSecond ?? 0
            lines.append(
                "| pool | \(cycle.clients) | \(f(cycle.cyclesPerSecond)) | "
                    + "\(sqlite > 0 ? f(cycle.cyclesPerSecond / sqlite, 2) : "-") | "
                    + "\(f(cycle.cyclesPerSecond / ceiling, 3)) | \(cycle.create.text) | "
                    + "\(cycle.timeToProvisioned.text) | \(cycle.release.text) | "
                    + "\(f(cycle.transactionsPerCycle, 2)) / \(f(cycle.commitsPerCycle, 2)) | \(cycle.errors) |")
        }
        let check = postgres.consistency
        let states = check.allocationsByState.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        lines.append("")
        lines.append(
            "Database after the cycles: \(states.isEmpty ? "no allocations" : states.joined(separator: ", ")) for "
                + "\(check.cyclesCompleted) completed cycles (\(check.clientErrors) errors); "
                + "\(check.vmsHeldTwice) VMs held twice, \(check.claimsWithoutHolder) claims without holder, "
                + "\(check.holdersWithoutClaim) holders without claim: "
                + (check.problems.isEmpty ? "consistent" : "INCONSISTENT: " + check.problems.joined(separator: "; ")))
        return lines
    }

    /// What the PostgreSQL phase must produce for a quick run to count as working.
    func postgresSanityProblems() -> [String] {
        guard let postgres = postgresReplicas, postgres.skipped == nil else { return [] }
        var problems: [String] = []
        if postgres.ceilingCommitsPerSecond <= 0 { problems.append("no durable PostgreSQL commits measured") }
        for cycle in postgres.cycles where cycle.cycles == 0 || cycle.errors > cycle.cycles / 10 {
            problems.append(
                "PostgreSQL cycles at \(cycle.clients): \(cycle.cycles) done, \(cycle.errors) errors")
        }
        problems += postgres.consistency.problems.map { "PostgreSQL replicas: " + $0 }
        return problems
    }
}
