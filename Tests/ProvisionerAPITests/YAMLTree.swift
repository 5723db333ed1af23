import ProvisionerAPI

/// A config tree written as it would look in block YAML, turned into ``ConfigNode``s with the
/// paths and positions the Host's YAML reader gives them.
///
/// Layout: one key or list item per line, two spaces of indent per level. A scalar's mark is the
/// column its text starts at (`key: value` puts it after `": "`); a nested mapping's or list's
/// mark is its first key or dash on the next line. So the tree
/// `["provisioner": ["simulated": ["failure_rate": 0.5]]]` reads as
/// ```yaml
/// provisioner:            # line 1
///   simulated:            # line 2
///     failure_rate: 0.5   # line 3, the scalar at column 19
/// ```
indirect enum YAMLTree: Sendable {
    case scalar(String)
    case null
    case mapping([(String, YAMLTree)])
    case list([YAMLTree])

    /// The tree as a document: the root mapping starts at line 1, column 1.
    func document(source: String = "provisioner.yaml") -> ConfigNode {
        var line = 1
        return node(path: [], indent: 0, line: &line, column: 1, source: source)
    }

    /// Lays out the value at (`line`, `column`), nested blocks starting on the lines after it.
    private func node(path: [String], indent: Int, line: inout Int, column: Int, source: String) -> ConfigNode {
        let mark = ConfigNode.Mark(line: line, column: column)
        switch self {
        case .scalar(let text):
            return ConfigNode(content: .scalar(text), path: path, mark: mark, source: source)
        case .null:
            return ConfigNode(content: .null, path: path, mark: mark, source: source)
        case .mapping(let pairs):
            var entries: [ConfigNode.Entry] = []
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { line += 1 }
                let keyColumn = index == 0 ? column : indent + 1
                let value = value.valueNode(
                    path: path + [key], indent: indent, line: &line,
                    inlineColumn: keyColumn + key.count + 2, source: source)
                entries.append(ConfigNode.Entry(key: key, value: value))
            }
            return ConfigNode(content: .mapping(entries), path: path, mark: mark, source: source)
        case .list(let items):
            var nodes: [ConfigNode] = []
            for (index, item) in items.enumerated() {
                if index > 0 { line += 1 }
                let dashColumn = index == 0 ? column : indent + 1
                nodes.append(
                    item.node(
                        path: path + ["[\(index)]"], indent: indent + 2, line: &line, column: dashColumn + 2,
                        source: source))
            }
            return ConfigNode(content: .sequence(nodes), path: path, mark: mark, source: source)
        }
    }

    /// The value of `key: value`: inline for scalars, on the following lines for blocks.
    private func valueNode(path: [String], indent: Int, line: inout Int, inlineColumn: Int, source: String)
        -> ConfigNode
    {
        switch self {
        case .mapping(let pairs) where !pairs.isEmpty:
            line += 1
            return node(path: path, indent: indent + 2, line: &line, column: indent + 3, source: source)
        case .list(let items) where !items.isEmpty:
            line += 1
            return node(path: path, indent: indent + 2, line: &line, column: indent + 3, source: source)
        default:
            return node(path: path, indent: indent, line: &line, column: inlineColumn, source: source)
        }
    }
}

extension YAMLTree: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    init(stringLiteral value: String) { self = .scalar(value) }
    init(integerLiteral value: Int) { self = .scalar("\(value)") }
    init(floatLiteral value: Double) { self = .scalar("\(value)") }
    init(booleanLiteral value: Bool) { self = .scalar("\(value)") }
    init(nilLiteral: ()) { self = .null }
    init(arrayLiteral elements: YAMLTree...) { self = .list(elements) }
    init(dictionaryLiteral elements: (String, YAMLTree)...) { self = .mapping(elements) }
}

extension ConfigNode {
    /// The value at `path` (keys, or `"[n]"` for list items), for reaching into a built tree.
    subscript(path: String...) -> ConfigNode? {
        var node: ConfigNode? = self
        for component in path {
            switch node?.content {
            case .mapping(let entries): node = entries.first { $0.key == component }?.value
            case .sequence(let items):
                guard let index = Int(component.dropFirst().dropLast()), items.indices.contains(index) else {
                    return nil
                }
                node = items[index]
            default: return nil
            }
        }
        return node
    }
}
