public import Hummingbird

/// The request context: Hummingbird's core storage plus the request id.
public struct ProvisionerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The id echoed in `X-Request-ID` and every error envelope.
    public var requestID: String = ""

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
