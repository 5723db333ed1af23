import Testing
import XCPNGProvisioner

struct XAPIEndpointTests {
    @Test func parsesURLs() throws {
        #expect(
            XAPIEndpoint(url: "https://xcp.example") == XAPIEndpoint(scheme: "https", host: "xcp.example", port: 443))
        #expect(
            XAPIEndpoint(url: "http://10.0.0.1:8090/") == XAPIEndpoint(scheme: "http", host: "10.0.0.1", port: 8090))
        #expect(
            XAPIEndpoint(url: "https://[2001:db8::1]:444")
                == XAPIEndpoint(scheme: "https", host: "2001:db8::1", port: 444))
        #expect(XAPIEndpoint(url: "ftp://x") == nil)
        #expect(XAPIEndpoint(url: "https://") == nil)
        #expect(XAPIEndpoint(url: "https://user@x") == nil)
        #expect(XAPIEndpoint(url: "https://x:99999") == nil)
    }

    @Test func redirectsKeepTheSchemeAndDefaultThePort() throws {
        let member = try #require(XAPIEndpoint(url: "https://10.0.0.2:8443"))
        #expect(member.redirected(to: "10.0.0.1") == XAPIEndpoint(scheme: "https", host: "10.0.0.1", port: 8443))
        #expect(member.redirected(to: "10.0.0.1:9000") == XAPIEndpoint(scheme: "https", host: "10.0.0.1", port: 9000))
        #expect(member.redirected(to: "2001:db8::1") == XAPIEndpoint(scheme: "https", host: "2001:db8::1", port: 8443))
        #expect(member.redirected(to: "") == nil)
        #expect(member.description == "https://10.0.0.2:8443")
    }
}
