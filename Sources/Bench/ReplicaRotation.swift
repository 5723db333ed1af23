import Synchronization

/// Several servers behind one ``LoadClient``, taking turns request by request as a round-robin
/// load balancer would: an order may be created on one replica, polled on the other and
/// released on the first.
final class ReplicaRotation: Sendable {
    let baseURLs: [String]
    private let sent = Atomic<Int>(0)

    init(baseURLs: [String]) {
        precondition(!baseURLs.isEmpty, "a rotation needs at least one server")
        self.baseURLs = baseURLs
    }

    /// The server the next request goes to.
    func next() -> String {
        baseURLs[sent.wrappingAdd(1, ordering: .relaxed).oldValue % baseURLs.count]
    }
}

extension LoadClient {
    /// One client whose requests take turns across `baseURLs` (one connection pool per server).
    static func make(rotatingAcross baseURLs: [String], connections: Int) -> LoadClient {
        var client = make(baseURL: baseURLs[0], connections: connections)
        client.rotation = ReplicaRotation(baseURLs: baseURLs)
        return client
    }
}
