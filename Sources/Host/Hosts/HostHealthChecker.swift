public import Foundation
public import Logging
import PoolProvisioner
public import ProvisionerAPI
public import ServiceLifecycle

/// The dead-man's switch (DESIGN.md section 10): every `hosts.check_interval_s` it judges each
/// host's health from its last report, announces each change once as a lifecycle event
/// (`host_stale`, `host_down`, `host_recovered`), sets the hosts-per-health gauge, and prunes
/// host reports older than `hosts.report_retention_days`.
///
/// A change is announced through ``HostStore/transitionHostHealth(id:from:to:at:events:)``, a
/// compare-and-set, so replicas checking the same store announce each transition once between
/// them. Hosts that never reported announce nothing. When a host goes `down`, every active
/// allocation on it (a pool VM naming the host) gets a `host_down` event in the same commit.
public final class HostHealthChecker: Service {
    let store: any Store
    let configuration: HostsConfiguration
    let metrics: ServiceMetrics
    let backendName: String
    let logger: Logger
    let now: @Sendable () -> Date

    /// Creates the checker.
    ///
    /// - Parameters:
    ///   - backendName: The active backend, recorded on the events.
    ///   - now: The clock; tests inject one to pass the thresholds without waiting.
    public init(
        store: any Store, configuration: HostsConfiguration, metrics: ServiceMetrics, backendName: String,
        logger: Logger, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.configuration = configuration
        self.metrics = metrics
        self.backendName = backendName
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        logger.info(
            "host checker started", metadata: ["hosts.check_interval_s": "\(configuration.checkIntervalSeconds)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                _ = try await check()
            } catch {
                logger.warning("host check failed", metadata: ["error": "\(error)"])
            }
            do {
                let interval = configuration.checkIntervalSeconds
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            } catch {
                break
            }
        }
        logger.info("host checker stopped")
    }

    /// What one check did.
    public struct CheckReport: Sendable, Equatable {
        /// Hosts per health as judged now.
        public var counts: [HostHealth: Int] = [:]
        /// The transitions this checker announced (it won their compare-and-set), as `host_id: kind`.
        public var announced: [String: String] = [:]
        /// Host reports pruned.
        public var pruned = 0
    }

    /// Judges every host once, announces the changes this checker wins, sets the gauge, prunes.
    public func check() async throws -> CheckReport {
        let now = now()
        var report = CheckReport()
        for host in try await store.hosts() {
            let health = configuration.health(of: host, at: now)
            report.counts[health, default: 0] += 1
            guard health != host.announcedHealth, health != .neverReported else { continue }
            var events: [LifecycleEvent] = []
            if let kind = health.transitionEvent(from: host.announcedHealth) {
                let silence = host.lastReportAt.map { Int(now.timeIntervalSince($0)) } ?? 0
                events.append(
                    LifecycleEvent(
                        at: now, kind: kind, allocationID: nil, backend: backendName,
                        detail: "host \(host.hostID) (\(host.label)): \(host.announcedHealth.rawValue) -> "
                            + "\(health.rawValue), last report \(silence) s ago",
                        hostID: host.hostID))
                if health == .down {
                    events += try await allocations(onHost: host.hostID).map { record in
                        LifecycleEvent(
                            at: now, kind: "host_down", allocationID: record.id, backend: record.backend,
                            backendRef: record.vm?.backendRef,
                            detail: "the host \(host.hostID) this VM runs on stopped reporting", hostID: host.hostID)
                    }
                }
            }
            let won = try await store.transitionHostHealth(
                id: host.hostID, from: host.announcedHealth, to: health, at: now, events: events)
            guard won else { continue }
            for event in events { metrics.lifecycleEvent(kind: event.kind) }
            if let kind = events.first?.kind {
                report.announced[host.hostID] = kind
                logger.notice(
                    "host health changed",
                    metadata: [
                        "host.id": "\(host.hostID)", "host.health": "\(health.rawValue)", "event.kind": "\(kind)",
                        "allocations": "\(events.count - 1)",
                    ])
            }
        }
        metrics.hosts(byHealth: report.counts)
        let cutoff = now.addingTimeInterval(-TimeInterval(configuration.reportRetentionDays) * 86_400)
        report.pruned = try await store.pruneHostReports(receivedBefore: cutoff)
        if report.pruned > 0 {
            logger.info("host reports pruned", metadata: ["host_reports.pruned": "\(report.pruned)"])
        }
        return report
    }

    /// The active allocations (delivered, or on their way) whose VM runs on `hostID`.
    func allocations(onHost hostID: String) async throws -> [AllocationRecord] {
        var found: [AllocationRecord] = []
        for state in [LaunchProofStatus.provisioning, .provisioned, .degraded, .releasing] {
            var offset = 0
            while true {
                let batch = try await store.allocations(matching: .init(state: state), limit: 1000, offset: offset)
                found += batch.filter { $0.hostID == hostID }
                offset += batch.count
                if batch.count < 1000 { break }
            }
        }
        return found
    }
}

extension AllocationRecord {
    /// The host the allocation's VM runs on, when its backend names one (a pool VM's `host`).
    var hostID: String? { vm?.attributes[PoolAssignmentProvisioner.hostAttribute] }
}
