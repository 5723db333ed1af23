import Foundation

/// The JSON-RPC 2.0 envelope XAPI speaks at `/jsonrpc`: positional params, session first.
enum JSONRPC {
    private struct Request: Encodable {
        var jsonrpc = "2.0"
        var method: String
        var params: [XAPIValue]
        var id: Int
    }

    /// What a response carried: a result or an XAPI error.
    enum Outcome: Sendable, Hashable {
        case result(XAPIValue)
        case failure(XAPIError)
    }

    /// A response that is not a JSON-RPC answer at all.
    struct MalformedResponse: Error, CustomStringConvertible {
        var description: String
    }

    /// The request body for one call.
    static func encodeRequest(method: String, params: [XAPIValue], id: Int) throws -> Data {
        try JSONEncoder().encode(Request(method: method, params: params, id: id))
    }

    /// Decodes a response body: v2 `error {code, message, data}`, v1 `error: [CODE, …]` (also sent
    /// as v2 for errors raised before dispatch), and floats written `Infinity`/`NaN`.
    ///
    /// - Throws: ``MalformedResponse`` when the body is not a JSON-RPC response object.
    static func decodeResponse(_ body: Data) throws -> Outcome {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true  // XAPI writes non-finite floats as bare Infinity/NaN tokens
        let envelope: XAPIValue
        do {
            envelope = try decoder.decode(XAPIValue.self, from: body)
        } catch {
            throw MalformedResponse(description: "response is not JSON: \(error)")
        }
        guard let members = envelope.objectValue else {
            throw MalformedResponse(description: "response is not a JSON object")
        }
        if let error = members["error"], error != .null {
            return .failure(decodeError(error))
        }
        guard let result = members["result"] else {
            throw MalformedResponse(description: "response has neither result nor error")
        }
        return .result(result)
    }

    private static func decodeError(_ error: XAPIValue) -> XAPIError {
        switch error {
        case .object(let members):
            let code = members["message"]?.stringValue ?? "UNKNOWN_ERROR"
            let params = (members["data"]?.arrayValue ?? []).map(text(of:))
            return XAPIError(code: code, params: params)
        case .array(let items):
            guard let first = items.first else { return XAPIError(code: "UNKNOWN_ERROR") }
            return XAPIError(code: text(of: first), params: items.dropFirst().map(text(of:)))
        default:
            return XAPIError(code: text(of: error))
        }
    }

    private static func text(of value: XAPIValue) -> String {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .bool(let flag): String(flag)
        case .null: ""
        case .array, .object:
            (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? ""
        }
    }
}
