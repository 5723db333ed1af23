import AsyncHTTPClient
import FakeXAPI
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The fake's wire behaviour over real HTTP: envelopes, error shapes, admin routes.
@Suite(.timeLimit(.minutes(1)))
struct FakeXAPIRoutesTests {
    struct Reply {
        var status: Int
        var contentType: String
        var body: String
        var json: FakeValue? {
            let decoder = JSONDecoder()
            decoder.allowsJSON5 = true
            return try? decoder.decode(FakeValue.self, from: Data(body.utf8))
        }
    }

    private func send(_ method: String, port: Int, path: String, body: String) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .init(rawValue: method)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return Reply(
            status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type") ?? "",
            body: String(buffer: bytes))
    }

    private func rpc(_ port: Int, _ method: String, _ params: String, v2: Bool = true) async throws -> FakeValue {
        let version = v2 ? #""jsonrpc":"2.0","# : ""
        let reply = try await send(
            "POST", port: port, path: "/jsonrpc",
            body: #"{\#(version)"method":"\#(method)","params":\#(params),"id":"q"}"#)
        #expect(reply.status == 200)
        #expect(reply.contentType == "application/json")
        return try #require(reply.json)
    }

    @Test func speaksJSONRPCVersion2() async throws {
        try await FakeXAPIServer.withRunning(FakeXAPI()) { port in
            let login = try await rpc(port, "session.login_with_password", #"["root","secret","1.0","test"]"#)
            #expect(login["jsonrpc"] == "2.0")
            #expect(login["id"] == "q")
            let session = try #require(login["result"].stringValue)
            #expect(session.hasPrefix("OpaqueRef:"))
            let templates = try await rpc(port, "VM.get_by_name_label", #"["\#(session)","debian-12-cloud"]"#)
            #expect(templates["result"].arrayValue?.count == 3)  // the template, a VM and a snapshot
            let bad = try await rpc(port, "VM.get_record", #"["\#(session)","OpaqueRef:nope"]"#)
            #expect(bad["error"]["code"] == 1)
            #expect(bad["error"]["message"] == "HANDLE_INVALID")
            #expect(bad["error"]["data"] == ["VM", "OpaqueRef:nope"])
        }
    }

    @Test func speaksJSONRPCVersion1() async throws {
        try await FakeXAPIServer.withRunning(FakeXAPI()) { port in
            let bad = try await rpc(port, "session.login_with_password", #"["root","nope"]"#, v2: false)
            #expect(bad["result"] == .null)
            #expect(bad["error"] == ["SESSION_AUTHENTICATION_FAILED", "root", "Authentication failure"])
            let expired = try await rpc(port, "VM.get_all", #"["OpaqueRef:old"]"#, v2: false)
            #expect(expired["error"] == ["SESSION_INVALID", "OpaqueRef:old"])
        }
    }

    @Test func malformedRequestsGetAnHTMLError() async throws {
        try await FakeXAPIServer.withRunning(FakeXAPI()) { port in
            let noID = try await send(
                "POST", port: port, path: "/jsonrpc", body: #"{"method":"VM.get_all","params":[]}"#)
            #expect(noID.status == 500)
            #expect(noID.contentType == "text/html")
            let xml = try await send("POST", port: port, path: "/", body: "<methodCall/>")
            #expect(xml.status == 500)
        }
    }

    @Test func adminRoutesInjectFaultsAndDumpState() async throws {
        let fake = FakeXAPI()
        try await FakeXAPIServer.withRunning(fake) { port in
            let armed = try await send(
                "POST", port: port, path: "/admin/faults",
                body: #"{"method":"VM.get_all","error":["TOO_MANY_PENDING_TASKS"],"times":1}"#)
            #expect(armed.status == 200)
            let session = try #require(
                try await rpc(port, "session.login_with_password", #"["root","secret"]"#)["result"].stringValue)
            #expect(
                try await rpc(port, "VM.get_all", #"["\#(session)"]"#)["error"]["message"] == "TOO_MANY_PENDING_TASKS")
            #expect(try await rpc(port, "VM.get_all", #"["\#(session)"]"#)["result"].arrayValue?.isEmpty == false)
            let state = try await send("GET", port: port, path: "/admin/state", body: "")
            let json = try #require(state.json)
            #expect(json["sessions"] == 1)
            #expect(json["vms"] == [])
            #expect(json["call_counts"]["VM.get_all"] == 2)
            _ = try await send("POST", port: port, path: "/admin/expire-sessions", body: "")
            #expect(try await rpc(port, "VM.get_all", #"["\#(session)"]"#)["error"]["message"] == "SESSION_INVALID")
            #expect(try await send("POST", port: port, path: "/admin/faults", body: "{}").status == 400)
        }
    }

    @Test func aMemberAnswersHostIsSlave() async throws {
        try await FakeXAPIServer.withRunning(FakeXAPI(options: .init(masterAddress: "10.0.0.1"))) { port in
            let reply = try await rpc(port, "session.login_with_password", #"["root","secret"]"#)
            #expect(reply["error"]["message"] == "HOST_IS_SLAVE")
            #expect(reply["error"]["data"] == ["10.0.0.1"])
        }
    }
}
