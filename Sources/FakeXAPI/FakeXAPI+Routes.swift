import Foundation
public import Hummingbird

extension FakeXAPI {
    /// The routes: `POST /jsonrpc` (JSON-RPC 1.0 and 2.0), and the admin routes
    /// `GET /admin/state`, `POST /admin/faults` (a ``FakeFault`` as JSON), `DELETE /admin/faults`,
    /// `POST /admin/expire-sessions`. Other `POST` paths answer as XAPI does to a malformed
    /// XML-RPC body: HTTP 500 with an HTML page (this fake speaks JSON-RPC only).
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
        for path in ["/", "/**"] {
            router.post(RouterPath(path)) { _, _ in
                Self.response(
                    .internalServerError, "text/html",
                    "<html><body><h1>Xmlrpc.Parse_error</h1>fake-xapi speaks JSON-RPC at /jsonrpc</body></html>")
            }
        }
        return router
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
