import Testing

@testable import PoolProvisioner

#if canImport(Glibc)
    import Glibc
#endif

/// The address check reads the whole text: `inet_pton` on a C string stopped at an embedded NUL,
/// so "192.0.2.1\0junk" passed as an IPv4 address.
struct PoolVMAddressTests {
    @Test(arguments: [
        ("192.0.2.1", AF_INET, true), ("0.0.0.0", AF_INET, true), ("255.255.255.255", AF_INET, true),
        ("2001:db8::1", AF_INET6, true), ("::", AF_INET6, true), ("::ffff:192.0.2.1", AF_INET6, true),
        ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", AF_INET6, true),
        ("1111:2222:3333:4444:5555:6666:7777:8888", AF_INET6, true),
        ("192.0.2.1\0junk", AF_INET, false), ("2001:db8::1\0", AF_INET6, false), ("\0", AF_INET, false),
        ("", AF_INET, false), ("", AF_INET6, false), ("192.0.2.256", AF_INET, false), ("192.0.2", AF_INET, false),
        (" 192.0.2.1", AF_INET, false), ("192.0.2.1 ", AF_INET, false), ("2001:db8::1", AF_INET, false),
        ("192.0.2.1", AF_INET6, false), ("fe80::1%eth0", AF_INET6, false), ("2001:db8:::1", AF_INET6, false),
        (String(repeating: "0", count: 63), AF_INET6, false), (String(repeating: "1", count: 200), AF_INET, false),
        ("１９２.0.2.1", AF_INET, false),
    ])
    func addressesAreReadWhole(text: String, family: Int32, valid: Bool) {
        #expect(PoolVM.isAddress(text, family: family) == valid, "\(text.debugDescription)")
    }

    @Test func aVMWithANULInItsAddressIsRefused() {
        let problem = PoolVM(id: "a", ipv4: "192.0.2.1\0junk").problem()
        #expect(problem?.field == "ipv4")
        #expect(PoolVM(id: "a", ipv6: "2001:db8::1\0junk").problem()?.field == "ipv6")
    }
}
