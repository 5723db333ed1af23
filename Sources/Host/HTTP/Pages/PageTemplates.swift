import Foundation
import Mustache

/// The server-rendered pages' Mustache templates, kept as files under
/// `Sources/Host/Resources/templates/` and embedded at build time. `layout.mustache` is the one
/// page frame every page extends (`{{<layout}}`), with the admin navigation bar; `style.css` is
/// the one stylesheet, inlined by the layout. `{{ }}` HTML-escapes every value, so text that came
/// from users or backends cannot inject markup.
///
/// Adding a page: one `NAME.mustache` file beside the others, one line in ``bundledSources``, and
/// (for an admin page) one entry in ``AdminNavigation/entries``.
public struct PageTemplates: Sendable {
    private let parsed: Result<MustacheLibrary, PageTemplateError>

    /// The templates built into this binary: file name without extension → text.
    public static let bundledSources: [String: String] = [
        "layout": text(PackageResources.layout_mustache),
        "style": text(PackageResources.style_css),
        "allocations": text(PackageResources.allocations_mustache),
        "allocation": text(PackageResources.allocation_mustache),
        "audit": text(PackageResources.audit_mustache),
        "events": text(PackageResources.events_mustache),
        "orphans": text(PackageResources.orphans_mustache),
        "pool": text(PackageResources.pool_mustache),
        "hosts": text(PackageResources.hosts_mustache),
        "ops": text(PackageResources.ops_mustache),
        "dashboard": text(PackageResources.dashboard_mustache),
        "dashboard-refused": text(PackageResources.dashboard_refused_mustache),
    ]

    /// The pages the routes render; each must be among the sources.
    public static let pageNames = [
        "allocations", "allocation", "audit", "events", "orphans", "pool", "hosts", "ops", "dashboard",
        "dashboard-refused",
    ]

    /// The built-in templates, parsed once.
    public static let bundled = PageTemplates(sources: bundledSources)

    /// Parses `sources`; a broken one is kept as the error ``check()`` and ``render(_:_:)`` throw.
    public init(sources: [String: String]) {
        do {
            parsed = .success(try Self.parse(sources))
        } catch {
            parsed = .failure(error)
        }
    }

    /// Throws the first problem found: a template that does not parse (file, line, column) or a
    /// page or the layout that is missing. `serve` calls this before it listens.
    public func check() throws(PageTemplateError) {
        _ = try parsed.get()
    }

    /// `page` rendered with `context`.
    ///
    /// - Throws: ``PageTemplateError`` when the templates did not load (``check()`` refuses such a
    ///   set at start-up, so a served page never sees it).
    func render(_ page: String, _ context: [String: Any]) throws(PageTemplateError) -> String {
        let library = try parsed.get()
        guard let html = library.render(context, withTemplate: page) else {
            throw PageTemplateError(file: "\(page).mustache", problem: "there is no such page template")
        }
        return html
    }

    private static func parse(_ sources: [String: String]) throws(PageTemplateError) -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, source) in sources.sorted(by: { $0.key < $1.key }) {
            let file = name == "style" ? "style.css" : "\(name).mustache"
            do {
                library.register(try MustacheTemplate(string: source), named: name)
            } catch let error as MustacheTemplate.ParserError {
                throw PageTemplateError(
                    file: file, line: error.context.lineNumber, column: error.context.columnNumber,
                    problem: "\(error.error) near '\(error.context.line.trimmingCharacters(in: .whitespaces))'")
            } catch {
                throw PageTemplateError(file: file, problem: "\(error)")
            }
        }
        for required in ["layout", "style"] + pageNames where sources[required] == nil {
            throw PageTemplateError(
                file: required == "style" ? "style.css" : "\(required).mustache", problem: "the template is missing")
        }
        return library
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}

/// A page template that cannot be used: which file, where, and what is wrong.
public struct PageTemplateError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var problem: String

    public init(file: String, line: Int? = nil, column: Int? = nil, problem: String) {
        self.file = file
        self.line = line
        self.column = column
        self.problem = problem
    }

    public var description: String {
        let place = line.map { line in ":\(line)" + (column.map { ":\($0)" } ?? "") } ?? ""
        return "page template templates/\(file)\(place): \(problem)"
    }
}
