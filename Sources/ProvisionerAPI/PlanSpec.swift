/// The sizing and price of a plan, as configured under `plans:`.
public struct PlanSpec: Sendable, Hashable, Codable {
    /// The plan's name, the key under `plans:` (`small`, `trial`, ...).
    public var name: String
    /// Virtual CPUs.
    public var vcpus: Int
    /// Memory in MiB.
    public var memoryMiB: Int
    /// Root disk size in GiB.
    public var diskGiB: Int
    /// Price in cents; `0` means no payment is needed before provisioning.
    public var priceCents: Int

    /// Creates a plan.
    public init(name: String, vcpus: Int = 1, memoryMiB: Int = 1024, diskGiB: Int = 10, priceCents: Int = 0) {
        self.name = name
        self.vcpus = vcpus
        self.memoryMiB = memoryMiB
        self.diskGiB = diskGiB
        self.priceCents = priceCents
    }

    /// Whether an order on this plan must be paid before provisioning starts.
    public var requiresPayment: Bool { priceCents > 0 }
}
