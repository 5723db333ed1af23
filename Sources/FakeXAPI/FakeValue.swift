/// A value in the fake's object tables and on its wire: what XAPI's JSON-RPC carries.
public enum FakeValue: Sendable, Hashable {
    /// A string (refs, enums, datetimes, void).
    case string(String)
    /// A 64-bit integer.
    case int(Int64)
    /// A float; written as `Infinity`/`NaN` when not finite, as XAPI does.
    case double(Double)
    /// A boolean.
    case bool(Bool)
    /// A set.
    case array([FakeValue])
    /// A map or record.
    case object([String: FakeValue])
    /// Null (only ever read from requests).
    case null

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, also from a decimal string.
    public var intValue: Int64? {
        switch self {
        case .int(let value): value
        case .string(let text): Int64(text)
        default: nil
        }
    }

    /// The boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [FakeValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [String: FakeValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The member `key`, or `.null`.
    public subscript(key: String) -> FakeValue {
        objectValue?[key] ?? .null
    }

    /// A `string → string` map as a value.
    public static func map(_ map: [String: String]) -> FakeValue { .object(map.mapValues { .string($0) }) }

    /// The string members of a map.
    public var stringMap: [String: String] { (objectValue ?? [:]).compactMapValues(\.stringValue) }

    /// The string elements of a set.
    public var stringArray: [String] { (arrayValue ?? []).compactMap(\.stringValue) }
}

extension FakeValue: Decodable {
    /// Decodes any JSON value (with `allowsJSON5`, also `Infinity` and `NaN`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([FakeValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: FakeValue].self))
        }
    }
}

extension FakeValue {
    /// JSON text as XAPI writes it: non-finite floats as bare `Infinity`, `-Infinity`, `NaN`.
    public var jsonText: String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .string(let text): Self.writeString(text, into: &out)
        case .int(let value): out += String(value)
        case .double(let value):
            if value.isNaN {
                out += "NaN"
            } else if value.isInfinite {
                out += value < 0 ? "-Infinity" : "Infinity"
            } else {
                out += "\(value)"
            }
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                Self.writeString(key, into: &out)
                out += ":"
                members[key, default: .null].write(into: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension FakeValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array.
    public init(arrayLiteral elements: FakeValue...) { self = .array(elements) }
    /// An object.
    public init(dictionaryLiteral elements: (String, FakeValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
