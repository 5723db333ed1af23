/// A store failure that is not a database driver error.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String

    /// A row could not be read back.
    static func corruptRow(_ message: String) -> StoreError { StoreError(message: "corrupt row: \(message)") }

    /// The store cannot be opened.
    static func unavailable(_ message: String) -> StoreError { StoreError(message: message) }

    public var description: String { message }
}
