import Host
import Testing

struct StaticAAAAResolverTests {
    private let resolver = StaticAAAAResolver([
        "VM1.Example.Test.": ["2001:db8::1"], "vm1.example.test": ["2001:db8::2"],
    ])

    @Test(arguments: ["vm1.example.test", "VM1.EXAMPLE.TEST", "vm1.example.test."])
    func namesMatchIgnoringCaseAndTrailingDot(hostname: String) async throws {
        let addresses = try await resolver.resolveAAAA(hostname)
        #expect(Set(addresses) == ["2001:db8::1", "2001:db8::2"])
    }

    @Test func unknownNameHasNoRecord() async throws {
        #expect(try await resolver.resolveAAAA("vm2.example.test").isEmpty)
        #expect(try await resolver.resolveAAAA("").isEmpty)
    }
}
