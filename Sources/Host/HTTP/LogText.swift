/// Text from a request made safe to write into a log line.
enum LogText {
    /// `text` with control and line-separator characters written as escapes (`\n`, `\u{1b}`) and
    /// cut to `limit` characters, so what a client sent cannot start a forged log line or carry
    /// terminal escape sequences.
    static func escaped(_ text: String, limit: Int = 1024) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit {
                out += "…"
                break
            }
            count += 1
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            default:
                switch scalar.properties.generalCategory {
                case .control, .format, .lineSeparator, .paragraphSeparator:
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                default:
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
