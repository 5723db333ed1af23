import Foundation
import Host

/// Finds, in Swift source, every event kind written as a string literal where an event is made:
///
/// - the `kind:` argument of `AuditEvent(` and `LifecycleEvent(` (not of a call that passes `id:`,
///   which rebuilds a stored event);
/// - the kind argument of any helper: a `func` with a `String` parameter named `kind` whose text
///   makes an audit or a lifecycle event (`event(_ kind:)`, `note(_ id:, _ kind:)`,
///   `apply(…, audit kind:)`, `lifecycleEvent(kind:)`), by position or label; a helper that
///   builds its kind by interpolation (`"\(namespace).\(kind)"`) gives a pattern;
/// - the string of either branch of a `?:` there;
/// - `("vm_gone", …)` tuples assigned to a `(kind: String, …)` variable whose `.kind` is then passed.
///
/// Interpolated kinds become patterns, each `\(…)` matching any text.
struct EventKindScanner {
    /// One kind found in the source.
    struct Finding: Hashable, CustomStringConvertible {
        /// The kind, or a pattern in which `*` stands for an interpolation.
        var kind: String
        var isPattern: Bool
        /// `nil` when the helper makes events of both categories.
        var category: EventKind.Category?
        var file: String
        var line: Int

        var description: String {
            "\(file):\(line): \(isPattern ? "pattern" : "kind") '\(kind)' (\(category?.rawValue ?? "any category"))"
        }
    }

    /// A function that takes an event kind.
    struct Helper {
        var name: String
        /// The argument label, or `nil` for an unlabeled parameter at `position`.
        var label: String?
        var position: Int
        var category: EventKind.Category?
        /// How the helper builds the kind from its parameter, when it interpolates it.
        var template: [SwiftLexer.StringToken.Segment]? = nil
        var isFilePrivate: Bool

        /// `AuditEvent(` or `LifecycleEvent(` itself.
        var isConstructor: Bool { ["AuditEvent", "LifecycleEvent"].contains(name) && template == nil }
    }

    private struct Unit {
        var path: String
        var lexer: SwiftLexer
        var text: String { String(lexer.skeleton) }
    }

    private var units: [Unit] = []

    /// Adds one file's source.
    mutating func add(path: String, source: String) {
        units.append(Unit(path: path, lexer: SwiftLexer(source)))
    }

    /// Adds every `.swift` file under `directory`, with paths relative to `root`.
    mutating func add(directory: URL, relativeTo root: URL) throws {
        let files =
            FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        for file in files.sorted(by: { $0.path < $1.path }) {
            let path = String(file.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
            add(path: path, source: try String(contentsOf: file, encoding: .utf8))
        }
    }

    /// Every kind found, in file and line order.
    func findings() -> [Finding] {
        let helpers = units.flatMap { unit in Self.helpers(in: unit).map { (path: unit.path, helper: $0) } }
        let constructors = [
            Helper(name: "AuditEvent", label: "kind", position: 0, category: .audit, isFilePrivate: false),
            Helper(name: "LifecycleEvent", label: "kind", position: 0, category: .lifecycle, isFilePrivate: false),
        ]
        var found: [Finding] = []
        for unit in units {
            // A private helper hides a module-wide one of the same name in its own file.
            let own = helpers.filter { $0.helper.isFilePrivate && $0.path == unit.path }.map(\.helper)
            let shared = helpers.filter { !$0.helper.isFilePrivate }.map(\.helper)
                .filter { helper in !own.contains { $0.name == helper.name } }
            for callee in constructors + own + shared {
                for call in Self.calls(of: callee.name, in: unit) {
                    if callee.isConstructor, call.arguments.contains(where: { $0.label == "id" }) { continue }
                    let argument: Argument?
                    if let label = callee.label {
                        argument = call.arguments.first { $0.label == label }
                    } else {
                        argument = callee.position < call.arguments.count ? call.arguments[callee.position] : nil
                    }
                    guard let argument, callee.label != nil || argument.label == nil else { continue }
                    for token in Self.kindTokens(argument, call: call, in: unit) {
                        let segments =
                            callee.template.map { Self.substitute($0, kind: token.segments) } ?? token.segments
                        let isPattern = segments.contains { if case .interpolation = $0 { true } else { false } }
                        let kind = segments.map { if case .text(let text) = $0 { text } else { "*" } }.joined()
                        found.append(
                            Finding(
                                kind: kind, isPattern: isPattern, category: callee.category, file: unit.path,
                                line: unit.lexer.line(of: token.range.lowerBound)))
                    }
                }
            }
        }
        return Array(Set(found)).sorted { ($0.file, $0.line, $0.kind) < ($1.file, $1.line, $1.kind) }
    }

    /// The findings the registry lacks, as messages; empty when every kind is registered.
    static func unregistered(_ findings: [Finding]) -> [String] {
        findings.compactMap { finding in
            let categories = finding.category.map { [$0] } ?? EventKind.Category.allCases
            let candidates = EventRegistry.all.filter { categories.contains($0.category) }
            if finding.isPattern {
                let pattern =
                    "^"
                    + finding.kind.split(separator: "*", omittingEmptySubsequences: false)
                    .map { NSRegularExpression.escapedPattern(for: String($0)) }.joined(separator: ".+") + "$"
                let matches = candidates.contains { $0.name.range(of: pattern, options: .regularExpression) != nil }
                return matches ? nil : "\(finding): matches no registered kind"
            }
            return candidates.contains { $0.name == finding.kind } ? nil : "\(finding): not in EventRegistry"
        }
    }

    // MARK: - Calls

    struct Argument {
        var label: String?
        /// Offsets of the value expression.
        var range: Range<Int>
    }

    struct Call {
        var offset: Int
        var arguments: [Argument]
    }

    /// Every call `name(…)` (a function or method, not its declaration).
    private static func calls(of name: String, in unit: Unit) -> [Call] {
        let text = unit.text
        let skeleton = unit.lexer.skeleton
        let pattern = "(?<![A-Za-z0-9_])" + name + "\\s*\\("
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            let start = characterOffset(of: match.range.location, in: text)
            let before = String(skeleton[max(0, start - 5)..<start])
            if before.hasSuffix("func ") { return nil }
            let open = characterOffset(of: match.range.location + match.range.length - 1, in: text)
            guard let close = matchingClose(from: open, in: skeleton) else { return nil }
            return Call(offset: start, arguments: arguments(in: (open + 1)..<close, of: skeleton))
        }
    }

    /// `NSRegularExpression` works in UTF-16; the lexer in `Character`s.
    private static func characterOffset(of utf16Offset: Int, in text: String) -> Int {
        let index = String.Index(utf16Offset: utf16Offset, in: text)
        return text.distance(from: text.startIndex, to: index)
    }

    private static func matchingClose(from open: Int, in skeleton: [Character]) -> Int? {
        var depth = 0
        for position in open..<skeleton.count {
            switch skeleton[position] {
            case "(", "[", "{": depth += 1
            case ")", "]", "}":
                depth -= 1
                if depth == 0 { return position }
            default: break
            }
        }
        return nil
    }

    /// The top-level comma-separated arguments in `range`.
    private static func arguments(in range: Range<Int>, of skeleton: [Character]) -> [Argument] {
        var pieces: [Range<Int>] = []
        var depth = 0
        var start = range.lowerBound
        for position in range {
            switch skeleton[position] {
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth -= 1
            case "," where depth == 0:
                pieces.append(start..<position)
                start = position + 1
            default: break
            }
        }
        pieces.append(start..<range.upperBound)
        return pieces.compactMap { piece in
            let text = String(skeleton[piece])
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
            if let match = text.range(of: #"^\s*[A-Za-z_][A-Za-z0-9_]*\s*:(?!:)"#, options: .regularExpression) {
                let label = text[match].trimmingCharacters(in: .whitespacesAndNewlines).dropLast()
                    .trimmingCharacters(in: .whitespaces)
                let valueStart = piece.lowerBound + text.distance(from: text.startIndex, to: match.upperBound)
                return Argument(label: label, range: valueStart..<piece.upperBound)
            }
            return Argument(label: nil, range: piece)
        }
    }

    /// The string literals an argument passes as a kind: those at its top level (one, or the
    /// branches of `?:`), or the tuple literals behind `x.kind`.
    private static func kindTokens(_ argument: Argument, call: Call, in unit: Unit) -> [SwiftLexer.StringToken] {
        let skeleton = unit.lexer.skeleton
        var depth = 0
        var topLevel: [SwiftLexer.StringToken] = []
        var position = argument.range.lowerBound
        while position < argument.range.upperBound {
            if let token = unit.lexer.strings.first(where: { $0.range.lowerBound == position }) {
                if depth == 0 { topLevel.append(token) }
                position = token.range.upperBound
                continue
            }
            switch skeleton[position] {
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth -= 1
            default: break
            }
            position += 1
        }
        if !topLevel.isEmpty { return topLevel }
        let value = String(skeleton[argument.range]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let match = value.wholeMatch(of: /([A-Za-z_][A-Za-z0-9_]*)\.kind/) else { return [] }
        return tupleTokens(named: String(match.1), before: call.offset, in: unit)
    }

    /// The first elements of the tuple literals between the declaration of the `(kind: String, …)`
    /// variable `name` nearest before `offset` and `offset`.
    private static func tupleTokens(named name: String, before offset: Int, in unit: Unit) -> [SwiftLexer.StringToken] {
        let text = unit.text
        let pattern = "(let|var)\\s+" + name + "\\s*:\\s*\\(\\s*kind\\s*:\\s*String"
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let declarations = regex.matches(in: text, range: NSRange(text.startIndex..., in: text))
            .map { characterOffset(of: $0.range.location, in: text) }.filter { $0 < offset }
        guard let declaration = declarations.last else { return [] }
        let skeleton = unit.lexer.skeleton
        // The tuples assigned before the value is first read.
        let rest = String(skeleton[declaration...])
        let firstUse = rest.range(of: name + ".kind").map {
            declaration + rest.distance(from: rest.startIndex, to: $0.lowerBound)
        }
        let end = min(firstUse ?? offset, offset)
        return unit.lexer.strings.filter { token in
            guard token.range.lowerBound > declaration, token.range.upperBound < end else { return false }
            var before = token.range.lowerBound - 1
            while before > declaration, skeleton[before].isWhitespace { before -= 1 }
            var after = token.range.upperBound
            while after < end, skeleton[after].isWhitespace { after += 1 }
            return skeleton[before] == "(" && skeleton[after] == ","
        }
    }

    // MARK: - Helpers

    /// The functions in `unit` that take an event kind.
    private static func helpers(in unit: Unit) -> [Helper] {
        let text = unit.text
        let skeleton = unit.lexer.skeleton
        guard let regex = try? NSRegularExpression(pattern: #"func\s+([A-Za-z_][A-Za-z0-9_]*)\s*(<[^>]*>)?\s*\("#)
        else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            guard let nameRange = Range(match.range(at: 1), in: text) else { return nil }
            let name = String(text[nameRange])
            let open = characterOffset(of: match.range.location + match.range.length - 1, in: text)
            guard let close = matchingClose(from: open, in: skeleton) else { return nil }
            let parameters = arguments(in: (open + 1)..<close, of: skeleton).map { String(skeleton[$0.range]) }
            let labels = arguments(in: (open + 1)..<close, of: skeleton).map(\.label)
            // `label kind: String` parses as label `nil` and text `label kind: String`; `kind:` as label `kind`.
            var found: (label: String?, position: Int)?
            for (position, parameter) in zip(parameters.indices, parameters) {
                let full = ((labels[position].map { $0 + ":" } ?? "") + parameter)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                if let kindMatch = full.wholeMatch(of: /(?:([A-Za-z_][A-Za-z0-9_]*)\s+)?kind\s*:\s*String\??.*/) {
                    let external = kindMatch.1.map(String.init)
                    found = (external == "_" ? nil : external ?? "kind", position)
                    break
                }
            }
            guard let found else { return nil }
            let bodyEnd = skeleton[close...].firstIndex(of: "{").flatMap { matchingClose(from: $0, in: skeleton) }
            let start = characterOffset(of: match.range.location, in: text)
            let whole = String(skeleton[start..<(bodyEnd ?? close)]).lowercased()
            let makesAudit = whole.contains("auditevent")
            let makesLifecycle = whole.contains("lifecycleevent")
            guard makesAudit || makesLifecycle else { return nil }
            let lineStart = skeleton[..<start].lastIndex(of: "\n").map { $0 + 1 } ?? 0
            let prefix = String(skeleton[lineStart..<start])
            let template = unit.lexer.strings.first { token in
                token.range.lowerBound > close && token.range.upperBound <= (bodyEnd ?? close)
                    && token.segments.contains(.interpolation("kind"))
            }
            return Helper(
                name: name, label: found.label, position: found.position,
                category: makesAudit == makesLifecycle ? nil : (makesAudit ? .audit : .lifecycle),
                template: template?.segments,
                isFilePrivate: prefix.contains("private"))
        }
    }

    /// `template` with `\(kind)` replaced by the argument's segments.
    private static func substitute(
        _ template: [SwiftLexer.StringToken.Segment], kind: [SwiftLexer.StringToken.Segment]
    ) -> [SwiftLexer.StringToken.Segment] {
        template.flatMap { $0 == .interpolation("kind") ? kind : [$0] }
    }
}
