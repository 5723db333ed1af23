extension ConfigNode {
    /// Reads this node as a mapping whose keys must all be in `allowedKeys`.
    ///
    /// - Throws: ``ConfigError`` when the node is not a mapping, or names an unknown key (with the
    ///   closest allowed key as a suggestion), or repeats a key.
    public func mapping(allowing allowedKeys: [String]) throws -> ConfigMapping {
        let entries: [Entry]
        switch content {
        case .mapping(let list): entries = list
        case .null: entries = []
        default: throw ConfigError(node: self, message: "expected a mapping, found \(kindDescription)")
        }
        var seen: Set<String> = []
        for entry in entries {
            guard allowedKeys.contains(entry.key) else {
                var message = "unknown key '\(entry.key)'"
                if let close = KeySuggestion.closest(to: entry.key, among: allowedKeys) {
                    message += "; did you mean '\(close)'?"
                } else {
                    message += "; allowed keys: \(allowedKeys.joined(separator: ", "))"
                }
                throw ConfigError(node: entry.value, at: entry.keyMark, message: message)
            }
            guard seen.insert(entry.key).inserted else {
                throw ConfigError(node: entry.value, at: entry.keyMark, message: "key '\(entry.key)' appears twice")
            }
        }
        return ConfigMapping(node: self, entries: entries)
    }

    /// Reads this node as a mapping whose keys are the raw values of `Keys`.
    public func mapping<Keys: CaseIterable & RawRepresentable>(allowing keys: Keys.Type) throws -> ConfigMapping
    where Keys.RawValue == String {
        try mapping(allowing: keys.allCases.map(\.rawValue))
    }

    /// The scalar text, or a ``ConfigError`` when the node is not a scalar.
    public func scalarText(expecting expectation: String) throws -> String {
        guard case .scalar(let text) = content else {
            throw ConfigError(node: self, message: "expected \(expectation), found \(kindDescription)")
        }
        return text
    }

    /// Reads the node as a string.
    public func asString() throws -> String { try scalarText(expecting: "a string") }

    /// Reads the node as an integer, optionally checked against a range.
    public func asInt(in range: ClosedRange<Int>? = nil) throws -> Int {
        let text = try scalarText(expecting: "an integer")
        guard let value = Int(text.replacingUnderscores()) else {
            throw ConfigError(node: self, message: "expected an integer, found '\(text)'")
        }
        if let range, !range.contains(value) {
            throw ConfigError(node: self, message: "\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// Reads the node as a number, optionally checked against a range.
    public func asDouble(in range: ClosedRange<Double>? = nil) throws -> Double {
        let text = try scalarText(expecting: "a number")
        guard let value = Double(text.replacingUnderscores()), value.isFinite else {
            throw ConfigError(node: self, message: "expected a number, found '\(text)'")
        }
        if let range, !range.contains(value) {
            throw ConfigError(node: self, message: "\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// Reads the node as a boolean (`true`/`false`, `yes`/`no`, `on`/`off`).
    public func asBool() throws -> Bool {
        let text = try scalarText(expecting: "true or false")
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw ConfigError(node: self, message: "expected true or false, found '\(text)'")
        }
    }

    /// Reads the node as a list, giving each element to `read`.
    public func asList<T>(_ read: (ConfigNode) throws -> T) throws -> [T] {
        switch content {
        case .sequence(let items): return try items.map(read)
        case .null: return []
        default: throw ConfigError(node: self, message: "expected a list, found \(kindDescription)")
        }
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(self.filter { $0 != "_" })
    }
}

/// A config mapping whose keys were checked; read values by key, with defaults.
public struct ConfigMapping: Sendable {
    /// The mapping node itself, for locating errors about missing keys.
    public let node: ConfigNode
    private let entries: [ConfigNode.Entry]

    init(node: ConfigNode, entries: [ConfigNode.Entry]) {
        self.node = node
        self.entries = entries
    }

    /// The keys present, in source order.
    public var keys: [String] { entries.map(\.key) }

    /// The value node of `key`, or `nil` when absent or null.
    public func node(_ key: String) -> ConfigNode? {
        guard let value = entries.first(where: { $0.key == key })?.value else { return nil }
        if case .null = value.content { return nil }
        return value
    }

    /// The value node of a required key.
    public func required(_ key: String) throws -> ConfigNode {
        guard let value = node(key) else {
            throw ConfigError(node: node, message: "missing required key '\(key)'")
        }
        return value
    }

    /// A string value, or `defaultValue` when absent.
    public func string(_ key: String, default defaultValue: String) throws -> String {
        try node(key)?.asString() ?? defaultValue
    }

    /// An optional string value.
    public func string(_ key: String) throws -> String? { try node(key)?.asString() }

    /// An integer value, or `defaultValue` when absent.
    public func int(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>? = nil) throws -> Int {
        try node(key)?.asInt(in: range) ?? defaultValue
    }

    /// An optional integer value.
    public func int(_ key: String, in range: ClosedRange<Int>? = nil) throws -> Int? {
        try node(key)?.asInt(in: range)
    }

    /// A number value, or `defaultValue` when absent.
    public func double(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>? = nil) throws
        -> Double
    {
        try node(key)?.asDouble(in: range) ?? defaultValue
    }

    /// A boolean value, or `defaultValue` when absent.
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        try node(key)?.asBool() ?? defaultValue
    }

    /// The name of an environment variable (letters, digits, underscores; not starting with a digit).
    ///
    /// Secrets are only ever given by env var name; this rejects values that look like a secret
    /// pasted inline.
    public func envVarName(_ key: String, default defaultValue: String) throws -> String {
        guard let value = node(key) else { return defaultValue }
        let text = try value.asString()
        let isName =
            !text.isEmpty && text.first.map { !$0.isNumber } == true
            && text.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        guard isName else {
            throw ConfigError(
                node: value,
                message:
                    "expected the NAME of an environment variable (like MY_SECRET); secrets are never written inline")
        }
        return text
    }
}
