/// Why a pool description was refused: the entry and field that are wrong.
public struct PoolCatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The index of the bad entry in the pool list, if the problem is in one entry.
    public var index: Int?
    /// The field of that entry, if the problem is in one field.
    public var field: String?
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(index: Int? = nil, field: String? = nil, message: String) {
        self.index = index
        self.field = field
        self.message = message
    }

    /// Where the problem is, as `pool[3].ssh_port`.
    public var location: String {
        var text = "pool"
        if let index { text += "[\(index)]" }
        if let field { text += ".\(field)" }
        return text
    }

    public var description: String { "\(location): \(message)" }
}
