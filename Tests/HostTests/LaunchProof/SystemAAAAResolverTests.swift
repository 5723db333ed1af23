import Host
import Testing

struct SystemAAAAResolverTests {
    private let resolver = SystemAAAAResolver()

    @Test(.timeLimit(.minutes(1)))
    func literalResolvesToItselfInCanonicalForm() async throws {
        #expect(try await resolver.resolveAAAA("::1") == ["::1"])
        #expect(try await resolver.resolveAAAA("2001:0db8:0:0::1") == ["2001:db8::1"])
    }

    /// Whether `localhost` has an IPv6 address depends on the machine's hosts file, so only the shape
    /// of an answer is checked.
    @Test(.timeLimit(.minutes(1)), arguments: ["localhost", "ip6-localhost"])
    func localhostResolvesOrFailsCleanly(hostname: String) async {
        do {
            let addresses = try await resolver.resolveAAAA(hostname)
            #expect(!addresses.isEmpty)
            #expect(addresses.allSatisfy { $0.contains(":") })
        } catch let error as AAAAResolutionError {
            #expect(error.hostname == hostname)
            #expect(!error.reason.isEmpty)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func nonexistentNameThrowsTheResolverReason() async throws {
        let error = try await #require(throws: AAAAResolutionError.self) {
            try await resolver.resolveAAAA("nonexistent.invalid")
        }
        #expect(error.hostname == "nonexistent.invalid")
        #expect(!error.reason.isEmpty)
        #expect(error.description.hasPrefix("AAAA lookup of 'nonexistent.invalid' failed: "))
    }

    @Test(.timeLimit(.minutes(1)))
    func dnsCheckReportsTheFailure() async {
        let check = DNSAAAACheck(resolver: resolver)
        let measurement = await check.measure(hostname: "nonexistent.invalid", expectedIPv6: "2001:db8::1")
        #expect(measurement.status == .failed)
        #expect(measurement.detail?.hasPrefix("AAAA lookup of 'nonexistent.invalid' failed: ") == true)
    }
}
