/// The navigation bar across the admin pages, in the order it shows.
enum AdminNavigation {
    /// Label, path and the page template that path renders.
    static let entries: [(label: String, path: String, page: String)] = [
        ("Allocations", "/admin/allocations", "allocations"),
        ("Pool", "/admin/pool", "pool"),
        ("Events", "/admin/events", "events"),
        ("Audit", "/admin/audit", "audit"),
        ("Orphans", "/admin/orphans", "orphans"),
        ("Hosts", "/admin/hosts", "hosts"),
        ("Ops", "/admin/ops", "ops"),
    ]

    /// The layout's `nav` list, with the entry of `section` marked current.
    static func context(current section: String) -> [[String: Any]] {
        entries.map { entry in ["label": entry.label, "path": entry.path, "current": entry.page == section] }
    }
}
