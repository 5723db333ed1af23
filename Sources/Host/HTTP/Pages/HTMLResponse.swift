import HTTPTypes
import Hummingbird

/// Builds the responses of server-rendered pages, with headers that keep them private and inert.
enum HTMLResponse {
    /// The page's policy: no scripts, no frames, no external anything; inline styles only.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// A `text/html` response (`200` unless said) that is never cached (pages show customer and
    /// operator data, and dashboard URLs carry their signature), never framed, never sniffed, and
    /// never sends a referrer.
    static func make(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.referrerPolicy] = "no-referrer"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[.xFrameOptions] = "DENY"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// An admin page: `page` rendered inside the layout with the navigation bar, `section` marked.
    static func admin(
        _ templates: PageTemplates, _ page: String, section: String, title: String, _ context: [String: Any]
    ) throws -> Response {
        var context = context
        context["title"] = title
        context["nav"] = AdminNavigation.context(current: section)
        context["admin"] = true
        return make(try templates.render(page, context))
    }
}

extension HTTPField.Name {
    /// `Referrer-Policy`.
    static let referrerPolicy = Self("Referrer-Policy")!
    /// `X-Frame-Options`, for browsers older than CSP's `frame-ancestors`.
    static let xFrameOptions = Self("X-Frame-Options")!
}
