import Hummingbird
import Logging
import NIOCore
import Shared

/// What every gateway context gives its handlers: the request id, the caller's trace and address,
/// and from them the context of the RPCs the handler makes and the client the services record.
protocol GatewayContext: RequestContext {
  var requestID: String { get }
  /// The caller's W3C trace context, when it sent a valid one; RPCs continue that trace.
  var traceparent: TraceParent? { get }
  /// The client's address: the peer's, or the one a trusted proxy forwarded (ClientAddressMiddleware).
  var clientAddress: String? { get }
  /// What the handler's RPCs carry: the request id and trace, and the caller once one is verified.
  var rpcContext: RPCCallContext { get }
}

extension GatewayContext {
  /// Who is calling, for rate limits and the services' audit rows.
  func client(_ request: Request) -> ClientInfo {
    ClientInfo(ip: clientAddress, userAgent: request.headers[.userAgent].map { String($0.prefix(512)) })
  }

  var rpcContext: RPCCallContext { RPCCallContext(requestID: requestID, traceparent: traceparent) }
}

/// A context made from GatewayRequestContext once a route group's middleware has checked who is
/// calling (SignedInContext, SPContext): the rest comes from the parent as it was.
protocol GatewayChildContext: ChildRequestContext, GatewayContext where ParentContext == GatewayRequestContext {
  var parent: GatewayRequestContext { get }
}

extension GatewayChildContext {
  var requestID: String { parent.requestID }
  var traceparent: TraceParent? { parent.traceparent }
  var clientAddress: String? { parent.clientAddress }
}

/// Per-request state the gateway's middleware fills in.
struct GatewayRequestContext: GatewayContext {
  var coreContext: CoreRequestContextStorage
  var requestID = ""
  var traceparent: TraceParent?
  /// The TCP peer's address.
  let peerAddress: String?
  var clientAddress: String?
  /// The signed-in caller, once SignedInMiddleware has verified the bearer token (SignedInContext).
  var caller: AccessTokenClaims?
  /// A service provider's client credentials as sent, once ServiceProviderMiddleware has read them (SPContext).
  var serviceProvider: ClientCredentials?

  init(source: Source) {
    self.coreContext = .init(source: source)
    self.peerAddress = source.channel.remoteAddress?.ipAddress
    self.clientAddress = peerAddress
  }
}
