/// A config problem: what is wrong and exactly where.
///
/// Rendered as `FILE:LINE:COLUMN: KEY.PATH: message`, the shape compilers use, so editors and
/// operators can jump straight to it.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in.
    public var source: String
    /// The dotted key path of the offending value.
    public var path: String
    /// The position of the offending value, if known.
    public var mark: ConfigNode.Mark?
    /// What is wrong, and what would be right.
    public var message: String

    /// Creates an error.
    public init(source: String, path: String, mark: ConfigNode.Mark?, message: String) {
        self.source = source
        self.path = path
        self.mark = mark
        self.message = message
    }

    /// Creates an error located at `node` (or at the config root when `node` is `nil`).
    public init(node: ConfigNode?, message: String) {
        self.init(
            source: node?.source ?? "<config>",
            path: node?.pathString ?? "<root>",
            mark: node?.mark,
            message: message)
    }

    /// Creates an error about `node`'s key path, located at `mark` when given (for example where
    /// the key, rather than its value, is written).
    public init(node: ConfigNode, at mark: ConfigNode.Mark?, message: String) {
        self.init(source: node.source, path: node.pathString, mark: mark ?? node.mark, message: message)
    }

    /// `FILE:LINE:COLUMN: PATH: message`.
    public var description: String {
        let position = mark.map { "\(source):\($0.line):\($0.column)" } ?? source
        return "\(position): \(path): \(message)"
    }
}

/// Several config problems found in one pass, reported together.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, in source order.
    public var errors: [ConfigError]
    /// Creates the list.
    public init(_ errors: [ConfigError]) { self.errors = errors }
    /// One problem per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
