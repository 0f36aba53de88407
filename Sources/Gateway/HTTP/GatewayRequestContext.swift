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
    /// The TCP peer. (Trusting X-Forwarded-For from configured proxies comes with rate limits.)
    let peerAddress: SocketAddress?

    init(source: Source) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress
    }

    /// Who is calling, for the services' audit rows.
    func client(_ request: Request) -> ClientInfo {
        ClientInfo(ip: peerAddress?.ipAddress, userAgent: request.headers[.userAgent].map { String($0.prefix(512)) })
    }

    var rpcContext: RPCCallContext { RPCCallContext(requestID: requestID, traceparent: traceparent) }
}
