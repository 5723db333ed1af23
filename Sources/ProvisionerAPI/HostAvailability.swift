/// Which hosts may not receive new allocations, as the Host's dead-man's switch and its operators
/// see them: hosts that fell silent (`stale`, `down`) or that an operator blocked.
///
/// Backends whose resources name the host they run on (a pool VM's `host`) receive one in their
/// ``BackendContext`` and skip resources on those hosts; they never import the Host.
///
/// ## Implementation requirements
/// - Judge health at the moment of the call (a host that reported a second ago is available).
/// - Throw when the answer is unknown; a backend then refuses to hand anything out on a named host
///   rather than guess.
public protocol HostAvailability: Sendable {
    /// The ids of the hosts that must not receive new allocations now.
    ///
    /// - Throws: Whatever the underlying store throws.
    func unavailableHosts() async throws -> Set<String>
}
