public import NIOCore
public import NIOPosix
public import ProvisionerAPI

/// Runs a VM's measured launch checks (DESIGN.md section 6): `dns_aaaa_verified` and `ssh_smoke_status`.
///
/// Both checks run at once; a disabled check, or one with nothing to measure, reads `not_run`.
public struct LaunchProofChecker: Sendable {
    /// Which checks run and the SSH timeout.
    public let configuration: LaunchProofConfiguration
    private let dnsCheck: DNSAAAACheck
    private let sshCheck: SSHBannerCheck

    /// Creates a checker.
    ///
    /// - Parameters:
    ///   - configuration: The `launch_proof:` section.
    ///   - resolver: Where AAAA records come from; ``SystemAAAAResolver`` in production.
    ///   - eventLoopGroup: Where the SSH connections run.
    public init(
        configuration: LaunchProofConfiguration,
        resolver: any AAAAResolving,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.dnsCheck = DNSAAAACheck(resolver: resolver)
        self.sshCheck = SSHBannerCheck(
            timeout: .seconds(configuration.sshSmokeTimeoutSeconds), eventLoopGroup: eventLoopGroup)
    }

    /// Measures both checks for a VM the backend delivered.
    ///
    /// - Parameters:
    ///   - hostname: The hostname the customer configured; when `nil` or empty, `vm.hostname` is used.
    ///   - vm: The VM: its `ipv6` is the expected AAAA record, and SSH is tried at
    ///     `sshHost ?? ipv6 ?? ipv4` on `sshPort ?? 22`.
    /// - Returns: The two measurements; this never throws.
    public func verify(hostname: String?, vm: VmAllocation) async -> (dns: CheckMeasurement, ssh: CheckMeasurement) {
        async let dns = measureDNS(hostname: Self.nonEmpty(hostname) ?? vm.hostname, vm: vm)
        async let ssh = measureSSH(vm: vm)
        return await (dns, ssh)
    }

    private func measureDNS(hostname: String?, vm: VmAllocation) async -> CheckMeasurement {
        guard configuration.dnsAAAAEnabled else { return .notRun }
        return await dnsCheck.measure(hostname: hostname, expectedIPv6: vm.ipv6)
    }

    private func measureSSH(vm: VmAllocation) async -> CheckMeasurement {
        guard configuration.sshSmokeEnabled else { return .notRun }
        let host = Self.nonEmpty(vm.sshHost) ?? Self.nonEmpty(vm.ipv6) ?? Self.nonEmpty(vm.ipv4)
        return await sshCheck.measure(host: host, port: vm.sshPort ?? 22)
    }

    /// `text`, or `nil` when it is `nil` or empty.
    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}

extension LaunchProofChecker {
    /// A checker that measures nothing: both checks read `not_run`. For callers (tests, tools)
    /// that provision without launch proof; `serve` always builds one from `launch_proof:`.
    public static var disabled: LaunchProofChecker {
        var configuration = LaunchProofConfiguration()
        configuration.dnsAAAAEnabled = false
        configuration.sshSmokeEnabled = false
        return LaunchProofChecker(configuration: configuration, resolver: StaticAAAAResolver([:]))
    }
}
