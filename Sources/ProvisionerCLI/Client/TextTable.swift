/// Plain-text tables for `--output table`: aligned columns, no borders.
enum TextTable {
    /// `rows` of label and value, labels padded to one width.
    static func keyValue(_ rows: [(String, String)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { label, value in pad(label, width) + "  " + value }.joined(separator: "\n")
    }

    /// A header line and one line per row, each column as wide as its widest cell.
    static func columns(_ headers: [String], _ rows: [[String]]) -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                parts.append(index == cells.count - 1 ? cell : pad(cell, widths[index]))
            }
            return parts.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
