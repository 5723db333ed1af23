import Foundation
import Host

/// Checks a JSON value against a schema of the OpenAPI 3.1 document (the JSON Schema subset it
/// uses: `$ref` to `#/components/schemas/…`, `type` (one or a list, with `null`), `required`,
/// `properties`, `additionalProperties: false`, `items`, `enum`, `const`, `pattern`,
/// `minLength`, `maxLength`, `format: date-time`).
struct JSONSchemaValidator {
    /// The whole OpenAPI document, for `$ref`s.
    let document: [String: Any]

    /// Every violation of `schema` by `value`, as `path: problem`; empty when it conforms.
    func violations(of value: JSONValue, against schema: [String: Any], at path: String = "$") -> [String] {
        if let ref = schema["$ref"] as? String {
            guard let resolved = resolve(ref) else { return ["\(path): unresolvable $ref \(ref)"] }
            return violations(of: value, against: resolved, at: path)
        }
        var problems: [String] = []
        if let types = Self.types(schema["type"]), !types.contains(where: { Self.value(value, is: $0) }) {
            return ["\(path): expected \(types.joined(separator: " or ")), found \(Self.typeName(value))"]
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { Self.equal($0, value) }) {
            problems.append("\(path): \(value) is not one of \(allowed)")
        }
        if let constant = schema["const"], !Self.equal(constant, value) {
            problems.append("\(path): expected \(constant)")
        }
        if case .string(let text) = value {
            if let pattern = schema["pattern"] as? String, text.range(of: pattern, options: .regularExpression) == nil {
                problems.append("\(path): '\(text)' does not match \(pattern)")
            }
            if let min = schema["minLength"] as? Int, text.count < min {
                problems.append("\(path): shorter than \(min)")
            }
            if let max = schema["maxLength"] as? Int, text.count > max {
                problems.append("\(path): longer than \(max)")
            }
            if schema["format"] as? String == "date-time",
                (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) == nil,
                (try? Date(text, strategy: Date.ISO8601FormatStyle())) == nil
            {
                problems.append("\(path): '\(text)' is not a date-time")
            }
        }
        if case .object(let pairs) = value {
            let object = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path).\(key): required")
            }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, item) in object {
                if let propertySchema = properties[key] as? [String: Any] {
                    problems += violations(of: item, against: propertySchema, at: "\(path).\(key)")
                } else if schema["additionalProperties"] as? Bool == false {
                    problems.append("\(path).\(key): not allowed")
                }
            }
        }
        if case .array(let array) = value, let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() {
                problems += violations(of: item, against: items, at: "\(path)[\(index)]")
            }
        }
        return problems
    }

    private func resolve(_ ref: String) -> [String: Any]? {
        guard ref.hasPrefix("#/") else { return nil }
        var node: Any? = document
        for component in ref.dropFirst(2).split(separator: "/") {
            node = (node as? [String: Any])?[String(component)]
        }
        return node as? [String: Any]
    }

    private static func types(_ value: Any?) -> [String]? {
        if let one = value as? String { return [one] }
        return value as? [String]
    }

    private static func value(_ value: JSONValue, is type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("integer", .int), ("number", .int), ("number", .double),
            ("string", .string), ("array", .array), ("object", .object):
            return true
        case ("integer", .double(let number)): return number.rounded() == number
        default: return false
        }
    }

    private static func typeName(_ value: JSONValue) -> String {
        ["null", "boolean", "integer", "number", "string", "array", "object"].first { Self.value(value, is: $0) }
            ?? "unknown"
    }

    /// Compares a schema's `enum`/`const` entry (as Yams gives it) with a value.
    private static func equal(_ expected: Any, _ value: JSONValue) -> Bool {
        switch value {
        case .null: return expected is NSNull || "\(expected)" == "null"
        case .string(let text): return expected as? String == text
        case .bool(let flag): return expected as? Bool == flag
        case .int(let number): return expected as? Int == number
        case .double(let number): return expected as? Double == number
        default: return false
        }
    }
}
