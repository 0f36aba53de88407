import Hummingbird

/// Sets the request's client address from `X-Forwarded-For` when the peer is a trusted proxy.
struct ClientAddressMiddleware: RouterMiddleware {
  typealias Context = GatewayRequestContext
  let proxies: TrustedProxies

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    guard !proxies.blocks.isEmpty else { return try await next(request, context) }
    var context = context
    context.clientAddress = proxies.clientAddress(peer: context.peerAddress, forwardedFor: request.headers[values: .xForwardedFor])
    return try await next(request, context)
  }
}
