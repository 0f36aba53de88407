import Hummingbird
import Logging
import NIOCore
import Shared

/// Per-request state the gateway's middleware fills in.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var requestID = ""
    /// The caller's W3C trace context, when it sent a valid one; RPCs continue that trace.
    var traceparent: TraceParent?
    /// The TCP peer's address.
    let peerAddress: String?
    /// The client's address: the peer's, or the one a trusted proxy forwarded (ClientAddressMiddleware).
    var clientAddress: String?

    init(source: Source) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress?.ipAddress
        self.clientAddress = peerAddress
    }

    /// Who is calling, for rate limits and the services' audit rows.
    func client(_ request: Request) -> ClientInfo {
        ClientInfo(ip: clientAddress, userAgent: request.headers[.userAgent].map { String($0.prefix(512)) })
    }

    var rpcContext: RPCCallContext { RPCCallContext(requestID: requestID, traceparent: traceparent) }
}
