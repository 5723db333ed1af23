public import ProvisionerAPI
import Yams

/// Parses YAML text into a ``ConfigNode`` tree that keeps every value's key path and position.
public enum YAMLConfigParser {
    /// Parses `text`, naming `source` in every error.
    ///
    /// - Throws: ``ConfigError`` with the line and column of a syntax error.
    public static func parse(_ text: String, source: String) throws -> ConfigNode {
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw configError(from: error, source: source)
        }
        guard let root else {
            return ConfigNode(content: .mapping([]), path: [], mark: nil, source: source)
        }
        return try convert(root, path: [], source: source)
    }

    private static func convert(_ node: Yams.Node, path: [String], source: String) throws -> ConfigNode {
        let mark = node.mark.map { ConfigNode.Mark(line: $0.line, column: $0.column) }
        switch node {
        case .scalar(let scalar):
            if node.null != nil, scalar.style == .plain {
                return ConfigNode(content: .null, path: path, mark: mark, source: source)
            }
            return ConfigNode(content: .scalar(scalar.string), path: path, mark: mark, source: source)
        case .mapping(let mapping):
            var entries: [ConfigNode.Entry] = []
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw ConfigError(
                        source: source, path: ConfigNode(content: .null, path: path).pathString,
                        mark: key.mark.map { ConfigNode.Mark(line: $0.line, column: $0.column) },
                        message: "mapping keys must be plain strings")
                }
                let child = try convert(value, path: path + [keyScalar.string], source: source)
                entries.append(
                    ConfigNode.Entry(
                        key: keyScalar.string, value: child,
                        keyMark: key.mark.map { ConfigNode.Mark(line: $0.line, column: $0.column) }))
            }
            return ConfigNode(content: .mapping(entries), path: path, mark: mark, source: source)
        case .sequence(let sequence):
            let items = try sequence.enumerated().map { index, item in
                try convert(item, path: path + ["[\(index)]"], source: source)
            }
            return ConfigNode(content: .sequence(items), path: path, mark: mark, source: source)
        case .alias:
            throw ConfigError(
                source: source, path: ConfigNode(content: .null, path: path).pathString, mark: mark,
                message: "YAML aliases are not supported in config; write the value out")
        }
    }

    private static func configError(from error: YamlError, source: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = [context.map { "\($0.text)" }, problem].compactMap { $0 }.joined(separator: ": ")
            return ConfigError(
                source: source, path: "<syntax>", mark: ConfigNode.Mark(line: mark.line, column: mark.column),
                message: "invalid YAML: \(text)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigError(
                source: source, path: "<syntax>",
                mark: ConfigNode.Mark(line: context.mark.line, column: context.mark.column),
                message: "keys appear twice in one mapping: \(duplicates.joined(separator: ", "))")
        default:
            return ConfigError(source: source, path: "<syntax>", mark: nil, message: "invalid YAML: \(error)")
        }
    }
}
