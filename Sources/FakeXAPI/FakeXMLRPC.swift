/// XAPI's XML-RPC envelope, as the fake reads and writes it (see shared/XAPI.md, "Wire format").
///
/// Input: `<methodCall>` with `<string>`, bare text, `<int>`/`<i4>`/`<i8>`, `<boolean>`,
/// `<double>`, `<dateTime.iso8601>`, `<array>`, `<struct>` and `<nil/>` values. Output: XAPI's
/// `Status`/`Value` or `Status`/`ErrorDescription` struct, strings and integers as bare text (XAPI
/// writes int64 as decimal strings), booleans as `<boolean>`, floats as `<double>`.
enum FakeXMLRPC {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// The method name and parameters of a `<methodCall>`.
    static func parseCall(_ text: String) throws(ParseError) -> (method: String, params: [FakeValue]) {
        var cursor = Cursor(text: Array(text.unicodeScalars))
        cursor.skipProlog()
        try cursor.open("methodCall")
        try cursor.open("methodName")
        let method = decodeEntities(cursor.text(until: "</methodName>"))
        try cursor.close("methodName")
        var params: [FakeValue] = []
        if cursor.peekTag() == "params" {
            try cursor.open("params")
            while cursor.peekTag() == "param" {
                try cursor.open("param")
                params.append(try cursor.value())
                try cursor.close("param")
            }
            try cursor.close("params")
        } else if cursor.peekTag() == "params/" {
            try cursor.open("params/")
        }
        try cursor.close("methodCall")
        guard !method.isEmpty else { throw ParseError(description: "empty methodName") }
        return (method, params)
    }

    /// The `<methodResponse>` XAPI sends for an outcome.
    static func response(_ outcome: Result<FakeValue, FakeXAPIError>) -> String {
        let members: String
        switch outcome {
        case .success(let value):
            members = member("Status", "<value>Success</value>") + member("Value", encode(value))
        case .failure(let error):
            let list = FakeValue.array(([error.code] + error.params).map { .string($0) })
            members = member("Status", "<value>Failure</value>") + member("ErrorDescription", encode(list))
        }
        return "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct>\(members)</struct></value>"
            + "</param></params></methodResponse>"
    }

    private static func member(_ name: String, _ value: String) -> String {
        "<member><name>\(name)</name>\(value)</member>"
    }

    static func encode(_ value: FakeValue) -> String {
        switch value {
        case .string(let text): return "<value>\(escape(text))</value>"
        case .int(let number): return "<value>\(number)</value>"
        case .double(let number): return "<value><double>\(number)</double></value>"
        case .bool(let flag): return "<value><boolean>\(flag ? 1 : 0)</boolean></value>"
        case .null: return "<value></value>"
        case .array(let items): return "<value><array><data>\(items.map(encode).joined())</data></array></value>"
        case .object(let members):
            let body = members.keys.sorted().map { member(escape($0), encode(members[$0] ?? .null)) }.joined()
            return "<value><struct>\(body)</struct></value>"
        }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let name = rest[rest.index(after: amp)..<semi]
            switch name {
            case "lt": out += "<"
            case "gt": out += ">"
            case "amp": out += "&"
            case "quot": out += "\""
            case "apos": out += "'"
            case _ where name.hasPrefix("#x"):
                if let code = UInt32(name.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(code) {
                    out.unicodeScalars.append(scalar)
                }
            case _ where name.hasPrefix("#"):
                if let code = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(code) {
                    out.unicodeScalars.append(scalar)
                }
            default: out += "&\(name);"
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }

    private struct Cursor {
        var text: [Unicode.Scalar]
        var index = 0

        mutating func skipSpace() {
            while index < text.count, text[index].properties.isWhitespace { index += 1 }
        }

        mutating func skipProlog() {
            skipSpace()
            while starts(with: "<?") || starts(with: "<!--") {
                let end = starts(with: "<?") ? "?>" : "-->"
                while index < text.count, !starts(with: end) { index += 1 }
                index = min(text.count, index + end.unicodeScalars.count)
                skipSpace()
            }
        }

        func starts(with prefix: String) -> Bool {
            let scalars = Array(prefix.unicodeScalars)
            guard index + scalars.count <= text.count else { return false }
            return Array(text[index..<index + scalars.count]) == scalars
        }

        /// The name of the next tag (`name`, `/name` or `name/`), without consuming it.
        mutating func peekTag() -> String? {
            skipSpace()
            guard index < text.count, text[index] == "<" else { return nil }
            var end = index + 1
            while end < text.count, text[end] != ">" { end += 1 }
            guard end < text.count else { return nil }
            var name = String(String.UnicodeScalarView(text[(index + 1)..<end]))
            if let space = name.firstIndex(of: " ") { name = String(name[..<space]) }
            return name
        }

        mutating func open(_ name: String) throws(ParseError) {
            guard peekTag() == name else {
                throw ParseError(description: "expected <\(name)> at offset \(index), found \(peekTag() ?? "text")")
            }
            while text[index] != ">" { index += 1 }
            index += 1
        }

        mutating func close(_ name: String) throws(ParseError) { try open("/" + name) }

        mutating func text(until terminator: String) -> String {
            var out = String.UnicodeScalarView()
            while index < text.count, !starts(with: terminator) {
                out.append(text[index])
                index += 1
            }
            return String(out)
        }

        mutating func value() throws(ParseError) -> FakeValue {
            if peekTag() == "value/" {
                try open("value/")
                return .string("")
            }
            try open("value")
            let start = index
            let tag = peekTag()
            guard let tag, !tag.hasPrefix("/") else {
                index = start
                let raw = text(until: "</value>")
                try close("value")
                return .string(decodeEntities(raw))
            }
            let result: FakeValue
            switch tag {
            case "nil/":
                try open(tag)
                result = .null
            case "string/":
                try open(tag)
                result = .string("")
            case "string", "int", "i4", "i8", "boolean", "double", "dateTime.iso8601", "base64":
                try open(tag)
                let raw = decodeEntities(text(until: "</\(tag)>"))
                try close(tag)
                switch tag {
                case "int", "i4", "i8":
                    guard let number = Int64(raw.trimmingSpaces) else {
                        throw ParseError(description: "bad <\(tag)> '\(raw)'")
                    }
                    result = .int(number)
                case "boolean": result = .bool(raw.trimmingSpaces == "1")
                case "double":
                    guard let number = Double(raw.trimmingSpaces) else {
                        throw ParseError(description: "bad <double> '\(raw)'")
                    }
                    result = .double(number)
                default: result = .string(raw)
                }
            case "array":
                try open("array")
                var items: [FakeValue] = []
                if peekTag() == "data/" {
                    try open("data/")
                } else {
                    try open("data")
                    while peekTag() == "value" || peekTag() == "value/" { items.append(try value()) }
                    try close("data")
                }
                try close("array")
                result = .array(items)
            case "struct":
                try open("struct")
                var members: [String: FakeValue] = [:]
                while peekTag() == "member" {
                    try open("member")
                    try open("name")
                    let name = decodeEntities(text(until: "</name>"))
                    try close("name")
                    members[name] = try value()
                    try close("member")
                }
                try close("struct")
                result = .object(members)
            default:
                throw ParseError(description: "unsupported value type <\(tag)>")
            }
            try close("value")
            return result
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(
            unicodeScalars.drop { $0.properties.isWhitespace }.reversed().drop { $0.properties.isWhitespace }.reversed()
                .map(Character.init))
    }
}
