import Foundation
import Testing

@testable import XCPNGProvisioner

struct JSONRPCTests {
    private func decode(_ text: String) throws -> JSONRPC.Outcome {
        try JSONRPC.decodeResponse(Data(text.utf8))
    }

    @Test func aResultIsDecoded() throws {
        #expect(try decode(#"{"jsonrpc":"2.0","result":"OpaqueRef:1","id":1}"#) == .result("OpaqueRef:1"))
        #expect(try decode(#"{"result":{"a":4294967296},"error":null,"id":"x"}"#) == .result(["a": 4_294_967_296]))
    }

    @Test func nonFiniteFloatsAreDecoded() throws {
        let outcome = try decode(
            #"{"jsonrpc":"2.0","result":{"up":Infinity,"down":-Infinity,"nan":NaN,"x":1.5},"id":1}"#)
        guard case .result(let value) = outcome else {
            Issue.record("expected a result")
            return
        }
        #expect(value["up"].doubleValue == .infinity)
        #expect(value["down"].doubleValue == -.infinity)
        #expect(value["nan"].doubleValue?.isNaN == true)
        #expect(value["x"].doubleValue == 1.5)
    }

    @Test func aVersion2ErrorObjectIsDecoded() throws {
        let outcome = try decode(
            #"{"jsonrpc":"2.0","error":{"code":1,"message":"SESSION_INVALID","data":["OpaqueRef:93f1"]},"id":1}"#)
        #expect(outcome == .failure(XAPIError(code: "SESSION_INVALID", params: ["OpaqueRef:93f1"])))
    }

    @Test func aVersion1ErrorArrayIsDecoded() throws {
        let outcome = try decode(
            #"{"result":null,"error":["VM_BAD_POWER_STATE","OpaqueRef:1","halted","running"],"id":"x"}"#)
        #expect(
            outcome == .failure(XAPIError(code: "VM_BAD_POWER_STATE", params: ["OpaqueRef:1", "halted", "running"])))
    }

    @Test func anErrorArrayRaisedBeforeDispatchIsDecoded() throws {
        let outcome = try decode(#"{"jsonrpc":"2.0","error":["HOST_IS_SLAVE","10.0.0.1"],"id":0}"#)
        #expect(outcome == .failure(XAPIError(code: "HOST_IS_SLAVE", params: ["10.0.0.1"])))
    }

    @Test func garbageIsRejected() {
        #expect(throws: JSONRPC.MalformedResponse.self) { try decode("<html>500</html>") }
        #expect(throws: JSONRPC.MalformedResponse.self) { try decode(#"{"jsonrpc":"2.0","id":1}"#) }
    }

    @Test func requestsArePositionalWithTheSessionFirst() throws {
        let body = try JSONRPC.encodeRequest(
            method: "VM.start", params: ["OpaqueRef:s", "OpaqueRef:vm", false, false], id: 7)
        let decoded = try JSONDecoder().decode(XAPIValue.self, from: body)
        #expect(decoded["jsonrpc"] == "2.0")
        #expect(decoded["method"] == "VM.start")
        #expect(decoded["params"] == ["OpaqueRef:s", "OpaqueRef:vm", false, false])
        #expect(decoded["id"] == 7)
    }
}
