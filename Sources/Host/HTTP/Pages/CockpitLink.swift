/// Which console URLs may become links on a page.
enum CockpitLink {
    /// `url` when it is an `http://` or `https://` URL without whitespace or control characters,
    /// else `nil`: a `javascript:` or `data:` URL from a pool file is shown as no link at all.
    /// The page template still HTML-escapes what it returns.
    static func href(_ url: String?) -> String? {
        guard let url, url.utf8.count <= 2048 else { return nil }
        let lowered = url.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://") else { return nil }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else { return nil }
        return url
    }
}
