import Testing

@testable import XCPNGProvisioner

struct GuestAddressesTests {
    @Test func readsTheNICThatWasCreated() throws {
        let networks = [
            "0/ip": "192.168.0.5", "1/ip": "172.16.211.31", "1/ipv4/0": "172.16.211.31",
            "1/ipv6/0": "fe80::a8bb:ccff:fe00:1", "1/ipv6/1": "2001:db8::31",
        ]
        let addresses = try #require(GuestAddresses(networks: networks, device: "1"))
        #expect(addresses.ipv4 == "172.16.211.31")
        #expect(addresses.ipv6 == "2001:db8::31")
    }

    @Test func acceptsTheLegacyIPKeyAlone() {
        #expect(GuestAddresses(networks: ["0/ip": "10.0.0.9"], device: "0")?.ipv4 == "10.0.0.9")
    }

    @Test func acceptsIPv4ListKeyAlone() {
        #expect(GuestAddresses(networks: ["2/ipv4/0": "10.0.0.7"], device: "2")?.ipv4 == "10.0.0.7")
    }

    @Test func linkLocalAloneIsNoAddress() {
        #expect(GuestAddresses(networks: ["0/ipv6/0": "fe80::1", "1/ip": "10.0.0.1"], device: "0") == nil)
        #expect(GuestAddresses(networks: [:], device: "0") == nil)
    }
}
