import Foundation

/// How host columns that hold structure are written: operator labels as a JSON object of strings.
enum HostColumns {
    static func encode(_ labels: [String: String]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: labels, options: [.sortedKeys]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeLabels(_ text: String?) -> [String: String] {
        guard let text, let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { return [:] }
        return object as? [String: String] ?? [:]
    }
}
