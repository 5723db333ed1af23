import Foundation

extension BenchReport {
    /// The run as Markdown tables (pasted into the README's Performance section).
    func table() -> String {
        func f(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
        let ceiling = max(ceilingCommitsPerSecond, 1)
        let noopRate = max(noop.perSecond, 1)
        var lines: [String] = []
        lines.append(
            "provisioner-bench\(quick ? " --quick" : ""): \(machine), \(f(phaseSeconds, 1)) s per load phase, "
                + "\(f(totalSeconds)) s in all")
        lines.append("")
        lines.append("| limit (same run) | rate | p50 / p99 / max ms |")
        lines.append("|---|---|---|")
        for result in durabilityCeiling {
            lines.append(
                "| durable SQLite commits/s, \(result.writers) writer(s) (1 allocation-row INSERT, WAL, FULL) | "
                    + "\(f(result.commitsPerSecond)) | \(result.latency.text) |")
        }
        for rate in [noop, noopBenchClient] {
            lines.append(
                "| no-op route `GET /healthz` (req/s), \(rate.client), \(rate.clients) at once | \(f(rate.perSecond)) | "
                    + "\(rate.latency.text) |")
        }
        lines.append("")
        lines.append(
            "| cycle (create -> provisioned -> release) | clients | cycles/s | x ceiling | create ms | "
                + "to provisioned ms | release ms | overhead ms | errors |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for cycle in cycles {
            guard cycle.client == HTTPPhases.benchClientName else {
                lines.append(
                    "| \(cycle.backend), \(cycle.client) | \(cycle.clients) | \(f(cycle.cyclesPerSecond)) | "
                        + "\(f(cycle.cyclesPerSecond / ceiling, 3)) | all requests "
                        + "(\(f(cycle.requestsPerCycle, 1)) per cycle): \(cycle.requestLatency.text) | | | | "
                        + "\(cycle.errors) |")
                continue
            }
            lines.append(
                "| \(cycle.backend) | \(cycle.clients) | \(f(cycle.cyclesPerSecond)) | "
                    + "\(f(cycle.cyclesPerSecond / ceiling, 3)) | \(cycle.create.text) | "
                    + "\(cycle.timeToProvisioned.text) | \(cycle.release.text) | \(cycle.frameworkOverhead.text) | "
                    + "\(cycle.errors) |")
        }
        for cycle in cycles where cycle.client == noop.client && cycle.requestsPerCycle > 0 {
            lines.append("")
            lines.append(
                "HTTP bound, \(cycle.backend) cycles (\(cycle.client)): \(f(cycle.requestsPerCycle, 1)) requests per "
                    + "cycle (create, status polls, release) at the no-op route's \(f(noop.perSecond)) req/s allow "
                    + "at most \(f(noop.perSecond / cycle.requestsPerCycle)) cycles/s, were every request as cheap as "
                    + "`GET /healthz`; measured \(f(cycle.cyclesPerSecond)).")
        }
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        for cycle in cycles where cycle.serverCPUPerCycleMs > 0 {
            let both = cycle.serverCPUPerCycleMs + cycle.clientCPUPerCycleMs
            lines.append("")
            lines.append(
                "CPU bound, \(cycle.backend) cycles (\(cycle.client)): a cycle cost the server "
                    + "\(f(cycle.serverCPUPerCycleMs, 2)) ms of CPU and wrk \(f(cycle.clientCPUPerCycleMs, 2)) ms; this "
                    + "machine's \(f(cores, 0)) cores allow at most \(f(cores * 1000 / both)) cycles/s at that cost with "
                    + "the client beside the server (\(f(cores * 1000 / cycle.serverCPUPerCycleMs)) with the cores to the "
                    + "server alone); measured \(f(cycle.cyclesPerSecond)).")
        }
        lines.append(contentsOf: postgresReplicasLines())
        lines.append("")
        lines.append(
            "| store commits (counted by the server's store) | store transactions per cycle | "
                + "durable commits (fsyncs) per cycle |")
        lines.append("|---|---|---|")
        for budget in commitBudget {
            lines.append(
                "| \(budget.backend), \(budget.cycles) sequential cycles: create -> provisioned / release | "
                    + "\(f(budget.createTransactions, 2)) / \(f(budget.releaseTransactions, 2)) | |")
            if let order = budget.paidOrderTransactions, let create = budget.paidCreateTransactions,
                let release = budget.paidReleaseTransactions
            {
                lines.append(
                    "| \(budget.backend), \(budget.cycles) sequential paid cycles: order / pay -> provisioned / "
                        + "release | \(f(order, 2)) / \(f(create, 2)) / \(f(release, 2)) | |")
            }
        }
        for cycle in cycles {
            lines.append(
                "| \(cycle.backend) cycles at \(cycle.clients) client(s), \(cycle.client) | "
                    + "\(f(cycle.transactionsPerCycle, 2)) | "
                    + "\(f(cycle.commitsPerCycle, 2)) |")
        }
        if let burst = burstDrain {
            lines.append("")
            lines.append("| burst and drain (simulated, 100 ms per allocate, default config) | value |")
            lines.append("|---|---|")
            lines.append(
                "| orders accepted (\(burst.client), \(f(burst.burstSeconds, 1)) s) | \(burst.ordersAccepted) "
                    + "(\(f(burst.ordersPerSecond))/s) |")
            lines.append(
                "| provisioned, burst start to last provisioned | \(burst.provisioned) in \(f(burst.drainSeconds, 2)) s "
                    + "= \(f(burst.vmsPerSecond)) VMs/s |")
        }
        lines.append("")
        lines.append(
            "Load clients: \(WrkLoad.clientName) for the no-op route, the status reads, the burst and the cycle "
                + "rows that name it; \(HTTPPhases.benchClientName) for the other cycle rows (the only ones that "
                + "time each step of a cycle) and the second no-op row, which shows that client's ceiling.")
        lines.append("")
        lines.append("| read path | client | rate | x no-op (same client) | p50 / p99 / max ms |")
        lines.append("|---|---|---|---|---|")
        lines.append(
            "| public `GET /v1/vm/{id}/status`, 64 connections, 64 VMs in turn | \(statusReads.client) | "
                + "\(f(statusReads.perSecond)) | \(f(statusReads.perSecond / noopRate, 2)) | "
                + "\(statusReads.latency.text) |")
        lines.append("")
        lines.append("| backend in-process (durable store) | allocate p50 / p99 / max ms | mean ms | x smallest |")
        lines.append("|---|---|---|---|")
        lines.append("| simulated, zero delay | \(simulatedAllocate.text) | | |")
        let smallest = max(poolAllocationCost.first?.allocateMeanMs ?? 1, 0.000_001)
        for cost in poolAllocationCost {
            lines.append(
                "| pool of \(cost.poolSize) | \(cost.allocate.text) | \(f(cost.allocateMeanMs, 3)) | "
                    + "\(f(cost.allocateMeanMs / smallest, 2)) |")
        }
        lines.append(
            "| `refreshPool(\(refresh.poolSize))` x\(refresh.refreshes) | \(refresh.refresh.text) | | |")
        lines.append(
            "| longest allocation while refreshing / without (\(refresh.allocationsDuringRefresh) during) | "
                + "\(f(refresh.longestAllocationDuringRefreshMs, 2)) / \(f(refresh.longestAllocationWithoutRefreshMs, 2)) | | |"
        )
        lines.append("")
        lines.append("| memory and start-up | value |")
        lines.append("|---|---|")
        lines.append("| RSS idle, simulated backend (MB) | \(f(memory.idleSimulatedRSSMB, 1)) |")
        lines.append("| RSS idle, pool backend with its VMs loaded (MB) | \(f(memory.idlePool100kRSSMB, 1)) |")
        lines.append("| RSS with \(memory.activeAllocations) active allocations (MB) | \(f(memory.activeRSSMB, 1)) |")
        lines.append("| start-up, empty store (s) | \(f(memory.startupEmptyStoreSeconds, 3)) |")
        lines.append(
            "| start-up with \(memory.activeAllocations) allocations in the store, to listening (s) | "
                + "\(f(memory.startupWithAllocationsSeconds, 3)) |")
        func orders(_ label: String, _ orders: TimedOrders) -> String {
            "| \(label); HTTP \(orders.statuses.map(String.init).joined(separator: ", "))), "
                + "\(orders.latency.count) in a row, p50 / max (ms) | "
                + "\(f(orders.latency.p50, 1)) / \(f(orders.latency.max, 1)) |"
        }
        let lastFree = memory.activeAllocations - memory.acceptedOrders.latency.count
        lines.append(
            orders(
                "an order for one of the pool's last free VMs, \(lastFree)+ active allocations (admission counts them",
                memory.acceptedOrders))
        lines.append(
            orders(
                "an order with \(memory.activeAllocations) active allocations (pool full: refused", memory.refusedOrders
            ))
        lines.append("")
        lines.append("| target | measured | limit | met |")
        lines.append("|---|---|---|---|")
        for target in targets {
            lines.append(
                "| \(target.name) | \(f(target.measured, 3)) | \(target.atMost ? "<=" : ">=") \(f(target.limit, 1)) | "
                    + "\(target.met ? "yes" : "NO") |")
        }
        return lines.joined(separator: "\n")
    }
}
