/// One released pool VM waiting for its release hook.
struct ReleaseHookJob: Sendable, Hashable {
    var vmID: String
    var allocationID: String
}
