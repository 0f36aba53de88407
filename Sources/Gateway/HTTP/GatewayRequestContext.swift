import Hummingbird
import Logging

/// Per-request state the gateway's middleware fills in.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var requestID = ""

    init(source: Source) {
        self.coreContext = .init(source: source)
    }
}
