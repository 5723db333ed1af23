public import Prometheus

/// The service's Prometheus metrics, made from one registry that `/metrics` renders.
public final class ServiceMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry

    /// Creates the metrics in `registry`.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Counts an order accepted by `POST /v1/vm`.
    func orderCreated(plan: String) {
        registry.makeCounter(name: "provisioner_orders_created_total", labels: [("plan", plan)]).increment()
    }

    /// Counts a finished backend operation by outcome.
    func backendOperation(_ operation: String, outcome: String, backend: String) {
        registry.makeCounter(
            name: "provisioner_backend_operations_total",
            labels: [("operation", operation), ("outcome", outcome), ("backend", backend)]
        ).increment()
    }

    /// Counts a served HTTP response by status class.
    func httpResponse(status: Int) {
        registry.makeCounter(name: "provisioner_http_responses_total", labels: [("code", "\(status)")]).increment()
    }

    /// Counts a lifecycle event (`vm_stopped`, `vm_gone`, `orphan_detected`, `deadline_exceeded`, ...).
    func lifecycleEvent(kind: String) {
        registry.makeCounter(name: "provisioner_lifecycle_events_total", labels: [("kind", kind)]).increment()
    }

    /// Sets how many allocations are in each state (every state is reported, absent ones as 0).
    func allocations(byState counts: [LaunchProofStatus: Int]) {
        for state in LaunchProofStatus.allCases {
            registry.makeGauge(name: "provisioner_allocations", labels: [("state", state.rawValue)])
                .set(Int64(counts[state] ?? 0))
        }
    }

    /// Sets how many hosts are in each health (every health is reported, absent ones as 0).
    func hosts(byHealth counts: [HostHealth: Int]) {
        for health in HostHealth.allCases {
            registry.makeGauge(name: "provisioner_hosts", labels: [("health", health.rawValue)])
                .set(Int64(counts[health] ?? 0))
        }
    }

    /// Renders every metric in the Prometheus text format.
    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
