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

    /// Refuses a query that names a parameter the route does not take, or one parameter twice.
    ///
    /// - Throws: `invalid_request` naming the parameter.
    func allowOnly(_ names: Set<String>) throws {
        var seen: Set<String> = []
        for (name, _) in parameters {
            let name = String(name)
            guard names.contains(name) else {
                let known = names.sorted().joined(separator: ", ")
                throw ProvisionerError.invalidRequest("Unknown query parameter '\(name)'; this route takes: \(known).")
            }
            guard seen.insert(name).inserted else {
                throw ProvisionerError.invalidRequest("Query parameter '\(name)' is given more than once.")
            }
        }
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
        try Self.integer(integerText("limit"), name: "limit", range: 1...500) ?? 100
    }

    /// `before`: the id to page back from (keyset pagination), or `nil` for the newest page.
    ///
    /// - Throws: `invalid_request` naming the parameter.
    func before() throws -> Int64? {
        try Self.integer(integerText("before"), name: "before", range: 1...Int.max).map(Int64.init)
    }

    /// The raw value of an integer parameter: `nil` only when absent (an empty value is invalid).
    func integerText(_ name: String) -> String? {
        parameters[Substring(name)].map(String.init)
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
