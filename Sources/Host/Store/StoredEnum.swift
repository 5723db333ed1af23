/// Parsing an enum the stores keep as text.
extension RawRepresentable where RawValue == String {
    /// The value stored in `column` (`table.column`, for the message); a value this build does
    /// not know is a corrupt row, never a guess.
    init(stored raw: String, column: String) throws {
        guard let value = Self(rawValue: raw) else {
            throw StoreError.corruptRow("\(column) has unknown value '\(raw)'")
        }
        self = value
    }
}
