import HTTPTypes
import Hummingbird

/// Builds the responses of server-rendered pages, with headers that keep them private and inert.
enum HTMLResponse {
    /// The page's policy: no scripts, no frames, no external anything; inline styles only.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// A `200 text/html` response that is never cached (pages show customer data, and dashboard
    /// URLs carry their signature) and never sends a referrer.
    static func make(_ html: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.referrerPolicy] = "no-referrer"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

extension HTTPField.Name {
    /// `Referrer-Policy`.
    static let referrerPolicy = Self("Referrer-Policy")!
}
