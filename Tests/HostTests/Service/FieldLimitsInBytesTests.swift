import ProvisionerAPI
import Testing

@testable import Host

/// Length limits count UTF-8 bytes, not characters; what a 4xx echoes into the debug log is escaped.
struct FieldLimitsInBytesTests {
    @Test func aMetadataValueOfFewCharactersButManyBytesIsRefused() throws {
        let plans = HostConfiguration().plans
        let limits = HostConfiguration().limits
        let wide = String(repeating: "€", count: 400)  // 400 characters, 1200 bytes
        #expect(wide.count <= 1024)
        let order = NewOrder(userID: "u1", plan: "trial", metadata: ["note": wide])
        #expect(throws: ProvisionerError.self) { try order.validate(plans: plans, limits: limits) }
        let narrow = NewOrder(userID: "u1", plan: "trial", metadata: ["note": String(repeating: "e", count: 1024)])
        try narrow.validate(plans: plans, limits: limits)
        let forge = NewOrder(userID: "u1", plan: "trial", forgeID: String(repeating: "€", count: 100))
        #expect(throws: ProvisionerError.self) { try forge.validate(plans: plans, limits: limits) }
    }

    @Test func echoedTextCannotForgeALogLine() {
        #expect(LogText.escaped("bad\nlevel=error forged\r\u{1b}[31m") == "bad\\nlevel=error forged\\r\\u{1b}[31m")
        #expect(LogText.escaped(String(repeating: "a", count: 2000)).count == 1025)
    }
}
