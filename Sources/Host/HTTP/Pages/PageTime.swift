import Foundation

/// A moment as a person reads it: "3 min ago" or "in 2 h", with the exact UTC time beside it for
/// a `<time datetime="…" title="…">` element.
enum PageTime {
    /// `{iso, exact, relative}` for the templates' `<time>` elements, or `false` (no section) for
    /// no date.
    static func context(_ date: Date?, now: Date = Date()) -> Any {
        guard let date else { return false }
        return ["iso": JSONValue.timestamp(date), "exact": exact(date), "relative": relative(date, now: now)]
    }

    /// `2026-11-27 07:39:56 UTC`.
    static func exact(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d UTC", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
            parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    /// `just now`, `42 s ago`, `5 min ago`, `3 h ago`, `2 days ago`, or `in …` for the future.
    static func relative(_ date: Date, now: Date) -> String {
        let seconds = Int(date.timeIntervalSince(now).rounded())
        let magnitude = abs(seconds)
        if magnitude < 5 { return "just now" }
        let amount: String
        switch magnitude {
        case ..<60: amount = "\(magnitude) s"
        case ..<3600: amount = "\(magnitude / 60) min"
        case ..<86_400: amount = "\(magnitude / 3600) h"
        case ..<172_800: amount = "1 day"
        default: amount = "\(magnitude / 86_400) days"
        }
        return seconds < 0 ? "\(amount) ago" : "in \(amount)"
    }
}
