import Hummingbird
import Shared

/// In front of the routes that act for a signed-in user: verifies the bearer token
/// (`AccessTokenVerifier.signedInUser`: 401 with a challenge, 403 for a client's own token, the
/// per-user limit) and leaves the claims for SignedInContext. Used as
/// `group.add(middleware: SignedInMiddleware(verifier:)).group(context: SignedInContext.self)`.
struct SignedInMiddleware: RouterMiddleware {
  typealias Context = GatewayRequestContext
  let verifier: AccessTokenVerifier

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    var context = context
    context.caller = try await verifier.signedInUser(request, context: context)
    return try await next(request, context)
  }
}

extension RouterGroup<GatewayRequestContext> {
  /// Routes for a signed-in user: SignedInMiddleware, then SignedInContext.
  func signedIn(_ verifier: AccessTokenVerifier) -> RouterGroup<SignedInContext> {
    group().add(middleware: SignedInMiddleware(verifier: verifier)).group(context: SignedInContext.self)
  }

  /// Routes a service provider calls with its client credentials: ServiceProviderMiddleware, then SPContext.
  func serviceProvider() -> RouterGroup<SPContext> {
    group().add(middleware: ServiceProviderMiddleware()).group(context: SPContext.self)
  }
}
