public import Hummingbird
import Synchronization

/// Which methods each registered path takes, so a request with any other method — `TRACE`,
/// `QUERY`, a made-up one — is answered `405` with `Allow` instead of the router's `404`.
/// Filled once the routes are registered (``fill(from:)``); read by ``EnvelopeMiddleware``.
public final class RouteMethodTable: Sendable {
    private struct Route: Sendable {
        var segments: [Substring]
        var methods: [String]
    }

    private let routes = Mutex<[Route]>([])

    public init() {}

    /// Records every route of `router`.
    public func fill<Context>(from router: Router<Context>) {
        var byPath: [String: Route] = [:]
        for route in router.routes {
            let path = "\(route.path)"
            let segments = path.split(separator: "/").map { $0.hasPrefix("{") || $0.hasPrefix(":") ? "*" : $0 }
            byPath[path, default: Route(segments: segments, methods: [])].methods.append(route.method.rawValue)
        }
        routes.withLock { $0 = Array(byPath.values) }
    }

    /// The methods a route matching `path` takes (`GET, POST`), or `nil` when no route matches.
    func allow(path: String) -> String? {
        let segments = path.split(separator: "/")
        let methods = routes.withLock { routes in
            routes.filter { route in
                route.segments.count == segments.count
                    && zip(route.segments, segments).allSatisfy { $0 == "*" || $0 == $1 }
            }.flatMap(\.methods)
        }
        guard !methods.isEmpty else { return nil }
        return Set(methods).sorted().joined(separator: ", ")
    }
}
