import Host

/// Typed reads of the API's JSON, for the table output and the progress display.
extension JSONValue {
    /// The string, or `nil` for any other value.
    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, or `nil` for any other value.
    var intValue: Int? {
        switch self {
        case .int(let value): value
        case .double(let value) where value == value.rounded(): Int(value)
        default: nil
        }
    }

    /// The boolean, or `nil` for any other value.
    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements of an array, or empty.
    var arrayValue: [JSONValue] {
        if case .array(let values) = self { return values }
        return []
    }

    /// The value as a table cell: strings as they are, `null` as `-`, others as JSON.
    var cell: String {
        switch self {
        case .null: "-"
        case .string(let value): value.isEmpty ? "-" : value
        case .bool(let value): value ? "yes" : "no"
        default: serialized
        }
    }

    /// The cell of `key` in an object (`-` when absent).
    func cell(_ key: String) -> String { self[key]?.cell ?? "-" }
}
