import Foundation
import ProvisionerAPI

/// Reads a JSON object body field by field, so every error names the field that is wrong, and
/// unknown fields are refused by name.
struct RequestBodyReader {
    private let fields: [(String, JSONValue)]

    /// Parses `bytes` as a JSON object whose keys are all in `allowed`.
    ///
    /// - Throws: `invalid_request` for malformed JSON, a non-object, or unknown fields.
    init(_ bytes: [UInt8], allowed: [String]) throws {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw ProvisionerError.invalidRequest("The request body is not valid JSON.")
        }
        guard case .object(let fields) = value else {
            throw ProvisionerError.invalidRequest("The request body must be a JSON object, not \(value.typeName).")
        }
        let unknown = fields.map(\.0).filter { !allowed.contains($0) }.sorted()
        if !unknown.isEmpty {
            let names = unknown.map { "'\($0)'" }.joined(separator: ", ")
            throw ProvisionerError.invalidRequest(
                "Unknown field\(unknown.count > 1 ? "s" : "") \(names); allowed fields: \(allowed.joined(separator: ", "))."
            )
        }
        self.fields = fields
    }

    private func value(_ name: String) -> JSONValue? {
        guard let value = fields.first(where: { $0.0 == name })?.1, value != .null else { return nil }
        return value
    }

    private func typeError(_ name: String, _ expected: String, _ found: JSONValue) -> ProvisionerError {
        .invalidRequest("Field '\(name)' must be \(expected), not \(found.typeName).")
    }

    func requiredString(_ name: String) throws -> String {
        guard let value = try string(name) else {
            throw ProvisionerError.invalidRequest("Field '\(name)' is required.")
        }
        return value
    }

    func string(_ name: String) throws -> String? {
        guard let value = value(name) else { return nil }
        guard case .string(let text) = value else { throw typeError(name, "a string", value) }
        return text
    }

    func stringList(_ name: String) throws -> [String] {
        guard let value = value(name) else { return [] }
        guard case .array(let items) = value else { throw typeError(name, "an array of strings", value) }
        return try items.enumerated().map { index, item in
            guard case .string(let text) = item else { throw typeError("\(name)[\(index)]", "a string", item) }
            return text
        }
    }

    func intList(_ name: String) throws -> [Int] {
        guard let value = value(name) else { return [] }
        guard case .array(let items) = value else { throw typeError(name, "an array of integers", value) }
        return try items.enumerated().map { index, item in
            guard case .int(let number) = item else { throw typeError("\(name)[\(index)]", "an integer", item) }
            return number
        }
    }

    func stringMap(_ name: String) throws -> [String: String] {
        guard let value = value(name) else { return [:] }
        guard case .object(let pairs) = value else { throw typeError(name, "an object of strings", value) }
        var result: [String: String] = [:]
        for (key, item) in pairs {
            guard case .string(let text) = item else { throw typeError("\(name).\(key)", "a string", item) }
            result[key] = text
        }
        return result
    }
}
