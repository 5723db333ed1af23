/// A parsed config tree node with its key path and source position.
///
/// The Host parses YAML and hands each plugin only its own subtree as a `ConfigNode`, so plugins
/// decode config without depending on a YAML library, and every error they raise names the key
/// path and `line:column` of the offending value.
public struct ConfigNode: Sendable, Hashable {
    /// A position in the config source, 1-based.
    public struct Mark: Sendable, Hashable {
        /// The line, from 1.
        public var line: Int
        /// The column, from 1.
        public var column: Int
        /// Creates a mark.
        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
    }

    /// One `key: value` pair of a mapping, in source order.
    public struct Entry: Sendable, Hashable {
        /// The key.
        public var key: String
        /// The value, whose ``ConfigNode/path`` ends with ``key``.
        public var value: ConfigNode
        /// Where the key itself is written, for errors about the key (unknown, repeated).
        public var keyMark: Mark?
        /// Creates an entry.
        public init(key: String, value: ConfigNode, keyMark: Mark? = nil) {
            self.key = key
            self.value = value
            self.keyMark = keyMark
        }
    }

    /// What the node holds.
    public indirect enum Content: Sendable, Hashable {
        /// A scalar as written (`null`, `~` and empty are ``null``).
        case scalar(String)
        /// An explicit null.
        case null
        /// A mapping, in source order.
        case mapping([Entry])
        /// A sequence.
        case sequence([ConfigNode])
    }

    /// What the node holds.
    public var content: Content
    /// The key path from the root, e.g. `["provisioner", "simulated", "failure_rate"]`; sequence
    /// elements appear as `"[3]"`.
    public var path: [String]
    /// Where the node starts in the source.
    public var mark: Mark?
    /// The file the node came from (`<embedded default>` for the built-in config).
    public var source: String

    /// Creates a node.
    public init(content: Content, path: [String] = [], mark: Mark? = nil, source: String = "<config>") {
        self.content = content
        self.path = path
        self.mark = mark
        self.source = source
    }

    /// The dotted key path, e.g. `provisioner.simulated.failure_rate` (`<root>` at the top).
    public var pathString: String {
        guard !path.isEmpty else { return "<root>" }
        var result = ""
        for component in path {
            if component.hasPrefix("[") || result.isEmpty {
                result += component
            } else {
                result += "." + component
            }
        }
        return result
    }

    /// A short name for the node's kind, for error messages.
    public var kindDescription: String {
        switch content {
        case .scalar: "a scalar"
        case .null: "null"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }
}
