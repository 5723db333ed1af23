/// The part of Swift's lexical grammar the event-kind scanner needs: comments, string literals
/// (plain, multi-line and raw) and interpolations, nested to any depth.
struct SwiftLexer {
    /// One string literal: where it is, and its text split into literal text and interpolations.
    struct StringToken {
        enum Segment: Equatable {
            case text(String)
            case interpolation(String)
        }

        /// Offsets (in `Character`s) of the opening and one past the closing delimiter.
        var range: Range<Int>
        var segments: [Segment]

        var isInterpolated: Bool { segments.contains { if case .interpolation = $0 { true } else { false } } }
        /// The literal text, when the string has no interpolation.
        var literal: String? {
            isInterpolated ? nil : segments.map { if case .text(let text) = $0 { text } else { "" } }.joined()
        }
    }

    /// The source with comments and the contents of string literals replaced by spaces (newlines
    /// kept), so that structure can be read without being fooled by text.
    private(set) var skeleton: [Character]
    /// Every string literal at the outermost level, by position.
    private(set) var strings: [StringToken] = []
    private let source: [Character]
    private var index = 0

    init(_ text: String) {
        source = Array(text)
        skeleton = source
        lexCode(untilClosingParenthesis: false)
    }

    /// Line number (1-based) of a `Character` offset.
    func line(of offset: Int) -> Int { source[..<min(offset, source.count)].filter { $0 == "\n" }.count + 1 }

    private func peek(_ offset: Int = 0) -> Character? {
        index + offset < source.count ? source[index + offset] : nil
    }

    private mutating func blank(_ range: Range<Int>) {
        for position in range where skeleton[position] != "\n" { skeleton[position] = " " }
    }

    /// Code: stops at the end, or at the `)` closing an interpolation.
    private mutating func lexCode(untilClosingParenthesis: Bool) {
        var depth = 0
        while let character = peek() {
            if character == "/", peek(1) == "/" {
                let start = index
                while let next = peek(), next != "\n" { index += 1 }
                blank(start..<index)
            } else if character == "/", peek(1) == "*" {
                lexBlockComment()
            } else if character == "\"" || (character == "#" && rawStringStarts()) {
                let token = lexString()
                if !untilClosingParenthesis { strings.append(token) }
            } else if character == "(" {
                depth += 1
                index += 1
            } else if character == ")" {
                if depth == 0 && untilClosingParenthesis { return }
                depth -= 1
                index += 1
            } else {
                index += 1
            }
        }
    }

    private mutating func lexBlockComment() {
        let start = index
        var depth = 0
        while let character = peek() {
            if character == "/", peek(1) == "*" {
                depth += 1
                index += 2
            } else if character == "*", peek(1) == "/" {
                depth -= 1
                index += 2
                if depth == 0 { break }
            } else {
                index += 1
            }
        }
        blank(start..<index)
    }

    private func rawStringStarts() -> Bool {
        var offset = 0
        while peek(offset) == "#" { offset += 1 }
        return peek(offset) == "\""
    }

    /// A string literal starting at `index` (its `#`s or opening quote).
    private mutating func lexString() -> StringToken {
        let start = index
        var hashes = 0
        while peek() == "#" {
            hashes += 1
            index += 1
        }
        let multiline = peek() == "\"" && peek(1) == "\"" && peek(2) == "\""
        index += multiline ? 3 : 1
        let contentStart = index
        let closing =
            Array(repeating: Character("\""), count: multiline ? 3 : 1)
            + Array(repeating: Character("#"), count: hashes)
        var segments: [StringToken.Segment] = []
        var text = ""
        while index < source.count {
            if Array(source[index..<min(index + closing.count, source.count)]) == closing {
                break
            }
            if source[index] == "\\" && isEscape(hashes: hashes) {
                index += 1 + hashes
                if peek() == "(" {
                    if !text.isEmpty { segments.append(.text(text)) }
                    text = ""
                    index += 1
                    let interpolationStart = index
                    lexCode(untilClosingParenthesis: true)
                    segments.append(.interpolation(String(source[interpolationStart..<index])))
                    index += 1
                } else if let escaped = peek() {
                    text.append(Self.unescaped(escaped))
                    index += 1
                }
            } else {
                text.append(source[index])
                index += 1
            }
        }
        if !text.isEmpty { segments.append(.text(text)) }
        blank(contentStart..<index)
        index = min(index + closing.count, source.count)
        return StringToken(range: start..<index, segments: segments)
    }

    private func isEscape(hashes: Int) -> Bool {
        (0..<hashes).allSatisfy { peek(1 + $0) == "#" }
    }

    private static func unescaped(_ character: Character) -> Character {
        switch character {
        case "n": "\n"
        case "t": "\t"
        case "0": "\0"
        case "r": "\r"
        default: character
        }
    }
}
