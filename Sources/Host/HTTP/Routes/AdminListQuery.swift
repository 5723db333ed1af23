import Foundation
import Hummingbird
import ProvisionerAPI

/// The query string of an admin list page (audit log, events, allocations): its non-empty
/// parameters, the page size, and links to another page under the same filters.
struct AdminListQuery {
    private let parameters: Parameters

    init(_ request: Request) {
        parameters = request.uri.queryParameters
    }

    /// The value of a query parameter, or `nil` when it is absent or empty.
    func text(_ name: String) -> String? {
        guard let value = parameters[Substring(name)].map(String.init), !value.isEmpty else { return nil }
        return value
    }

    /// `limit`: 1...500, default 100.
    ///
    /// - Throws: `invalid_request` naming the parameter.
    func limit() throws -> Int {
        try Self.integer(text("limit"), name: "limit", range: 1...500) ?? 100
    }

    /// `before`: the id to page back from (keyset pagination), or `nil` for the newest page.
    ///
    /// - Throws: `invalid_request` naming the parameter.
    func before() throws -> Int64? {
        try Self.integer(text("before"), name: "before", range: 1...Int.max).map(Int64.init)
    }

    /// An integer query parameter within `range`, or `nil` when it is absent.
    ///
    /// - Throws: `invalid_request` naming the parameter and its range.
    static func integer(_ text: String?, name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ProvisionerError.invalidRequest(
                "Query parameter '\(name)' must be an integer in \(range.lowerBound)...\(range.upperBound).")
        }
        return value
    }

    /// `path` with the given parameters, those without a value left out.
    static func link(_ path: String, _ items: [(name: String, value: String?)]) -> String {
        var components = URLComponents()
        components.path = path
        components.queryItems = items.compactMap { item in item.value.map { URLQueryItem(name: item.name, value: $0) } }
        return components.string ?? path
    }
}
