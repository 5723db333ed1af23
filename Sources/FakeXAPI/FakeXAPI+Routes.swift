import Foundation
public import Hummingbird
import Synchronization

extension FakeXAPI {
    /// The routes: `POST /jsonrpc` (JSON-RPC 1.0 and 2.0), and the admin routes
    /// `GET /admin/state`, `POST /admin/faults` (a ``FakeFault`` as JSON), `DELETE /admin/faults`,
    /// `POST /admin/expire-sessions`, `GET /admin/vdi/{ref}` (an uploaded image); `PUT
    /// /import_raw_vdi`; and XML-RPC at `POST /` and every other path, as a pool master serves it.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/jsonrpc") { request, _ in
            let body = try await request.body.collect(upTo: 16 << 20)
            return await self.answerJSONRPC(Data(body.readableBytesView))
        }
        router.get("/admin/state") { _, _ in
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            return Self.response(
                .ok, "application/json", String(decoding: try encoder.encode(self.snapshot()), as: UTF8.self))
        }
        router.post("/admin/faults") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let fault = try? JSONDecoder().decode(FakeFault.self, from: Data(body.readableBytesView)) else {
                return Self.response(
                    .badRequest, "text/plain",
                    "expected {\"method\": …, \"error\": [CODE, …], \"latency_ms\": …, \"times\": …}")
            }
            self.addFault(fault)
            return Self.response(.ok, "application/json", "{}")
        }
        router.delete("/admin/faults") { _, _ in
            self.clearFaults()
            return Self.response(.ok, "application/json", "{}")
        }
        router.post("/admin/expire-sessions") { _, _ in
            self.expireSessions()
            return Self.response(.ok, "application/json", "{}")
        }
        for path in ["/import_raw_vdi", "/member/import_raw_vdi"] {
            router.put(RouterPath(path)) { request, _ in
                try await self.answerUpload(request, viaMember: path.hasPrefix("/member"))
            }
        }
        router.get("/admin/vdi/{ref}") { _, context in
            let ref = context.parameters.get("ref") ?? ""
            guard let bytes = self.vdiContents(ref) else {
                return Self.response(.notFound, "text/plain", "no upload for VDI \(ref)")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/octet-stream"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        for path in ["/", "/**"] {
            router.post(RouterPath(path)) { request, _ in
                let body = try await request.body.collect(upTo: 16 << 20)
                return await self.answerXMLRPC(String(buffer: body))
            }
        }
        return router
    }

    /// Answers an XML-RPC body as XAPI does: HTTP 200 `text/xml` for every API result, success
    /// or failure; HTTP 500 `text/html` for a body that is not a method call.
    func answerXMLRPC(_ body: String) async -> Response {
        let parsed: (method: String, params: [FakeValue])
        do {
            parsed = try FakeXMLRPC.parseCall(body)
        } catch {
            return Self.response(
                .internalServerError, "text/html",
                "<html><body><h1>Xmlrpc.Parse_error</h1>\(FakeXMLRPC.escape(error.description))</body></html>")
        }
        let answer = await call(parsed.method, parsed.params)
        return Self.response(.ok, "text/xml", FakeXMLRPC.response(answer.outcome))
    }

    /// `PUT /import_raw_vdi?session_id=&vdi=&format=raw`: stores the body in the VDI. With
    /// ``FakeXAPIOptions/redirectUploads`` the master answers 302 to `/member/import_raw_vdi`
    /// without the query, which the client must keep.
    func answerUpload(_ request: Request, viaMember: Bool) async throws -> Response {
        if redirectsUploads, !viaMember {
            state.withLock { $0.callCounts["PUT /import_raw_vdi (redirected)", default: 0] += 1 }
            return Response(status: .found, headers: [.location: "/member/import_raw_vdi"])
        }
        let query = request.uri.queryParameters
        guard let session = query["session_id"].map(String.init), let vdi = query["vdi"].map(String.init),
            query["format"].map(String.init) ?? "raw" == "raw"
        else {
            return Self.response(.badRequest, "text/plain", "expected ?session_id=…&vdi=…&format=raw")
        }
        if request.headers[.transferEncoding]?.contains("chunked") == true {
            return Self.response(.lengthRequired, "text/plain", "XAPI wants a Content-Length, not chunked encoding")
        }
        let body = try await request.body.collect(upTo: 64 << 20)
        if let error = importRawVDI(session: session, vdi: vdi, bytes: Array(body.readableBytesView)) {
            let status: HTTPResponse.Status = error.code == "SESSION_INVALID" ? .forbidden : .internalServerError
            return Self.response(status, "text/plain", "\(error.code) \(error.params.joined(separator: " "))")
        }
        return Self.response(.ok, "text/plain", "")
    }

    /// Answers a JSON-RPC body: v2 when it says `"jsonrpc": "2.0"`, else v1; a body without a
    /// method or id gets HTTP 500 `text/html`, as XAPI does.
    func answerJSONRPC(_ body: Data) async -> Response {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        guard let request = try? decoder.decode(FakeValue.self, from: body), let method = request["method"].stringValue,
            request["id"] != .null
        else {
            return Self.response(
                .internalServerError, "text/html", "<html><body>Jsonrpc.Malformed_method_request</body></html>")
        }
        let id = request["id"]
        let isV2 = request["jsonrpc"].stringValue == "2.0"
        let answer = await call(method, request["params"].arrayValue ?? [])
        let envelope: FakeValue
        switch answer.outcome {
        case .success(let result):
            envelope =
                isV2 ? ["jsonrpc": "2.0", "result": result, "id": id] : ["result": result, "error": .null, "id": id]
        case .failure(let error):
            let list = FakeValue.array(([error.code] + error.params).map { .string($0) })
            if answer.preDispatch {
                envelope = ["jsonrpc": "2.0", "error": list, "id": 0]
            } else if isV2 {
                let data = FakeValue.array(error.params.map { .string($0) })
                envelope = [
                    "jsonrpc": "2.0", "error": ["code": 1, "message": .string(error.code), "data": data], "id": id,
                ]
            } else {
                envelope = ["result": .null, "error": list, "id": id]
            }
        }
        var response = Self.response(.ok, "application/json", envelope.jsonText)
        response.headers[.accessControlAllowOrigin] = "*"
        return response
    }

    static func response(_ status: HTTPResponse.Status, _ contentType: String, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
