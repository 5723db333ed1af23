/// One JSON-RPC value as XAPI sends it: strings, 64-bit integers, floats (which may be the
/// non-standard `Infinity`, `-Infinity` and `NaN`), booleans, arrays, maps and null.
///
/// Refs, enums, datetimes and `void` (`""`) are all strings on the wire; accessors read them.
public enum XAPIValue: Sendable, Hashable {
    /// A JSON string (refs, enums, datetimes, void).
    case string(String)
    /// A JSON integer (int64 fields such as memory sizes).
    case int(Int64)
    /// A JSON float, possibly not finite.
    case double(Double)
    /// A JSON boolean.
    case bool(Bool)
    /// A JSON array (XAPI sets).
    case array([XAPIValue])
    /// A JSON object (XAPI maps and records).
    case object([String: XAPIValue])
    /// JSON `null`.
    case null

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, also from a decimal string (XML-RPC style) or an integral float.
    public var int64Value: Int64? {
        switch self {
        case .int(let value): value
        case .string(let text): Int64(text)
        case .double(let value) where value.isFinite && value.rounded() == value: Int64(exactly: value)
        default: nil
        }
    }

    /// The number as a float, from an integer or a float.
    public var doubleValue: Double? {
        switch self {
        case .double(let value): value
        case .int(let value): Double(value)
        case .string(let text): Double(text)
        default: nil
        }
    }

    /// The boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [XAPIValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [String: XAPIValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// A `string → string` map (`other_config`, guest `networks`), dropping non-string values.
    public var stringMap: [String: String] {
        (objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    /// The string elements of a set (refs).
    public var stringArray: [String] {
        (arrayValue ?? []).compactMap(\.stringValue)
    }

    /// The member `key` of an object, or `.null`.
    public subscript(key: String) -> XAPIValue {
        objectValue?[key] ?? .null
    }
}

extension XAPIValue: Codable {
    /// Decodes any JSON value; floats may be `Infinity`/`NaN` when the decoder allows JSON5.
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
        } else if let value = try? container.decode([XAPIValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: XAPIValue].self))
        }
    }

    /// Encodes the value as JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}

extension XAPIValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array.
    public init(arrayLiteral elements: XAPIValue...) { self = .array(elements) }
    /// An object.
    public init(dictionaryLiteral elements: (String, XAPIValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension XAPIValue {
    /// A `string → string` map as a value.
    public static func map(_ map: [String: String]) -> XAPIValue {
        .object(map.mapValues { .string($0) })
    }
}
