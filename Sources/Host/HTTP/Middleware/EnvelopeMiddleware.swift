import Foundation
public import HTTPTypes
public import Hummingbird
import Logging

/// Assigns the request id, turns every error into the JSON envelope, and counts responses.
///
/// It sits outermost on the router, so router 404/405s, body-size 413s and anything a handler
/// throws all leave as the same envelope.
public struct EnvelopeMiddleware: RouterMiddleware {
    public typealias Context = ProvisionerRequestContext
    let metrics: ServiceMetrics

    public init(metrics: ServiceMetrics) {
        self.metrics = metrics
    }

    @concurrent public func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        var context = context
        context.requestID = Self.requestID(from: request)
        context.logger[metadataKey: "request.id"] = "\(context.requestID)"
        var response: Response
        do {
            response = try await next(request, context)
            response.headers[.requestID] = context.requestID
        } catch {
            let apiError = APIError(wrapping: error)
            switch apiError.status.code {
            case 500...:
                let level: Logger.Level = apiError.status.code == 500 ? .error : .warning
                context.logger.log(
                    level: level, "request failed",
                    metadata: ["http.status": "\(apiError.status.code)", "error": "\(error)"])
            default:
                // The error may echo what the client sent: escaped, so it cannot forge log lines.
                context.logger.debug(
                    "request refused",
                    metadata: ["http.status": "\(apiError.status.code)", "error": "\(LogText.escaped("\(error)"))"])
            }
            response = apiError.response(requestID: context.requestID)
        }
        metrics.httpResponse(status: response.status.code)
        return response
    }

    /// The caller's `X-Request-ID` when it is short and plain, else a new one.
    static func requestID(from request: Request) -> String {
        if let given = request.headers[.requestID], (1...128).contains(given.count),
            given.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) })
        {
            return given
        }
        return "req-" + UUID().uuidString.lowercased()
    }
}
