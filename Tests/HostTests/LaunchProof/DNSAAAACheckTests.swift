import Host
import Testing

struct DNSAAAACheckTests {
    private let check = DNSAAAACheck(
        resolver: StaticAAAAResolver([
            "vm1.example.test": ["2001:db8::1"],
            "vm2.example.test": ["2001:db8::2", "2001:db8::3"],
            "long.example.test": ["2001:0db8:0000:0000:0000:0000:0000:0001"],
        ]))

    @Test func matchingRecordPasses() async {
        let measurement = await check.measure(hostname: "vm1.example.test", expectedIPv6: "2001:db8::1")
        #expect(measurement.status == .passed)
        #expect(measurement.measuredAt != nil)
        #expect(measurement.detail == "AAAA records of 'vm1.example.test' [2001:db8::1] include 2001:db8::1")
    }

    @Test func mismatchFailsAndListsWhatWasResolved() async {
        let measurement = await check.measure(hostname: "vm2.example.test", expectedIPv6: "2001:db8::1")
        #expect(measurement.status == .failed)
        #expect(measurement.measuredAt != nil)
        #expect(
            measurement.detail
                == "AAAA records of 'vm2.example.test' [2001:db8::2, 2001:db8::3] do not include 2001:db8::1")
    }

    @Test(arguments: [
        ("long.example.test", "2001:db8::1"),
        ("vm1.example.test", "2001:0db8:0:0::1"),
        ("vm1.example.test", "2001:DB8::0:1"),
        ("vm1.example.test", "[2001:db8::1]"),
    ])
    func addressesCompareInCanonicalForm(hostname: String, expected: String) async {
        let measurement = await check.measure(hostname: hostname, expectedIPv6: expected)
        #expect(measurement.status == .passed, "\(measurement.detail ?? "")")
    }

    @Test func nameWithoutRecordFails() async {
        let measurement = await check.measure(hostname: "missing.example.test", expectedIPv6: "2001:db8::1")
        #expect(measurement.status == .failed)
        #expect(measurement.detail == "no AAAA record for 'missing.example.test'")
    }

    @Test(
        arguments: [
            (nil, "2001:db8::1"), ("", "2001:db8::1"), (" ", "2001:db8::1"),
            ("vm1.example.test", nil), ("vm1.example.test", ""),
        ] as [(String?, String?)])
    func missingHostnameOrAddressIsNotRun(hostname: String?, expected: String?) async {
        #expect(await check.measure(hostname: hostname, expectedIPv6: expected) == .notRun)
    }

    @Test func expectedAddressThatIsNotIPv6Fails() async {
        let measurement = await check.measure(hostname: "vm1.example.test", expectedIPv6: "192.0.2.1")
        #expect(measurement.status == .failed)
        #expect(measurement.detail == "the VM's address '192.0.2.1' is not an IPv6 address")
    }

    /// `inet_pton` reads a C string, which ended at an embedded NUL: "2001:db8::1\0junk" read as
    /// 2001:db8::1.
    @Test func anAddressWithANULInItIsNotIPv6() async {
        let measurement = await check.measure(hostname: "vm1.example.test", expectedIPv6: "2001:db8::1\0junk")
        #expect(measurement.status == .failed)
        #expect(measurement.detail?.hasSuffix("is not an IPv6 address") == true)
    }

    @Test func resolvedTextThatIsNotAnAddressNeverMatches() async {
        let check = DNSAAAACheck(resolver: StaticAAAAResolver(["odd.example.test": ["not-an-address"]]))
        let measurement = await check.measure(hostname: "odd.example.test", expectedIPv6: "2001:db8::1")
        #expect(measurement.status == .failed)
    }

    @Test func resolverErrorFailsWithItsText() async {
        let check = DNSAAAACheck(resolver: FailingResolver())
        let measurement = await check.measure(hostname: "vm1.example.test", expectedIPv6: "2001:db8::1")
        #expect(measurement.status == .failed)
        #expect(measurement.measuredAt != nil)
        #expect(measurement.detail == "AAAA lookup of 'vm1.example.test' failed: SERVFAIL")
    }
}

/// A resolver whose every lookup fails.
private struct FailingResolver: AAAAResolving {
    func resolveAAAA(_ hostname: String) async throws -> [String] {
        throw AAAAResolutionError(hostname: hostname, reason: "SERVFAIL")
    }
}
