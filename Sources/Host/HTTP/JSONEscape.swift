/// How the Host's JSON writers escape strings: quotes, backslashes and control characters, and
/// `<`, `>`, `&` as `\u00XX` so the JSON is safe to embed anywhere. Everything else, ASCII or
/// not, is written as it is. ``JSONValue`` and ``PublicStatusBody`` both write through this.
enum JSONEscape {
    /// The escape sequence for the ASCII byte `byte`, or `nil` when it is written as it is.
    static func sequence(for byte: UInt8) -> String? {
        switch byte {
        case 0x22: return "\\\""
        case 0x5C: return "\\\\"
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x3C: return "\\u003c"
        case 0x3E: return "\\u003e"
        case 0x26: return "\\u0026"
        case ..<0x20:
            let hex = Array("0123456789abcdef")
            return "\\u00" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
        default: return nil
        }
    }
}
