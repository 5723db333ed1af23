public import Logging
public import ProvisionerAPI

/// The conformance kit: runs the ``Provisioner`` contract against any backend.
///
/// Every backend in this repository calls ``run(against:options:logger:)`` from its tests, and so
/// does a deliberately broken backend, to prove the kit catches what it claims to.
///
/// ```swift
/// @Test func conforms() async throws {
///     try await ProvisionerConformance.run(against: MyProvisioner(...))
/// }
/// ```
public enum ProvisionerConformance {
    /// Tunes the kit to a backend's size.
    public struct Options: Sendable {
        /// The plan used for every request.
        public var plan: PlanSpec
        /// How many allocations the concurrency check makes at once; at most the backend's capacity.
        public var concurrentAllocations: Int
        /// A prefix for the allocation ids the kit makes, so runs never collide.
        public var allocationIDPrefix: String

        /// Creates options.
        public init(
            plan: PlanSpec = PlanSpec(name: "conformance", vcpus: 1, memoryMiB: 512, diskGiB: 5, priceCents: 0),
            concurrentAllocations: Int = 8,
            allocationIDPrefix: String = "conf"
        ) {
            self.plan = plan
            self.concurrentAllocations = concurrentAllocations
            self.allocationIDPrefix = allocationIDPrefix
        }
    }

    /// Runs every contract check against `backend` and releases everything it allocated.
    ///
    /// - Returns: The names of the checks that passed.
    /// - Throws: ``ConformanceFailure`` listing every check that failed and why.
    @discardableResult
    public static func run(
        against backend: any Provisioner,
        options: Options = .init(),
        logger: Logger = Logger(label: "provisioner.conformance")
    ) async throws -> [String] {
        var run = ConformanceRun(backend: backend, options: options, logger: logger)
        await run.checkNameAndIdentity()
        await run.checkRoundTrip()
        await run.checkIdempotentAllocate()
        await run.checkIdempotentRelease()
        await run.checkUnknownAllocation()
        await run.checkConcurrentAllocationsAreDistinct()
        await run.checkErrorsCarryCodes()
        await run.cleanUp()
        if !run.failures.isEmpty {
            throw ConformanceFailure(backend: backend.name, failures: run.failures)
        }
        return run.passed
    }
}

/// The checks a backend failed, each with the reason.
public struct ConformanceFailure: Error, Sendable, CustomStringConvertible {
    /// The backend that was checked.
    public var backend: String
    /// `(check, reason)` for each failed check.
    public var failures: [(check: String, reason: String)]

    /// One failure per line.
    public var description: String {
        "backend '\(backend)' failed \(failures.count) conformance check(s):\n"
            + failures.map { "- \($0.check): \($0.reason)" }.joined(separator: "\n")
    }

    /// The names of the failed checks.
    public var failedChecks: [String] { failures.map(\.check) }
}
