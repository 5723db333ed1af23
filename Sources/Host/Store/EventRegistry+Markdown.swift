import Foundation

extension EventRegistry {
    /// The marker lines around the generated table in README.md.
    public static let markdownMarkers = (begin: "<!-- event-kinds:begin -->", end: "<!-- event-kinds:end -->")

    /// README's table of event kinds: kind, category and meaning, sorted by category, then kind.
    public static func markdownTable() -> String {
        var lines = ["| kind | category | meaning |", "|---|---|---|"]
        for kind in all {
            lines.append("| `\(kind.name)` | \(kind.category.rawValue) | \(escaped(kind.meaning)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `document` with the text between the markers replaced by ``markdownTable()``, or `nil`
    /// when the markers are missing or out of order.
    public static func replacingMarkdownTable(in document: String) -> String? {
        guard let begin = document.range(of: markdownMarkers.begin),
            let end = document.range(of: markdownMarkers.end, range: begin.upperBound..<document.endIndex)
        else { return nil }
        return document[..<begin.upperBound] + "\n" + markdownTable() + document[end.lowerBound...]
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
