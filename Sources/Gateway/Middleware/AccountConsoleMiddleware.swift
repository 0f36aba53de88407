import HTTPTypes
import Hummingbird
import Shared

/// In front of the account console's pages: the caller is the console's access token from its
/// cookie, verified as any access token; an expired or revoked one is replaced by refreshing the
/// console's refresh token (the new cookies go out with the page); without either the browser
/// is sent to sign in, coming back to the page it asked for. Problems become the error page.
struct AccountConsoleMiddleware: RouterMiddleware {
  typealias Context = GatewayRequestContext
  let verifier: AccessTokenVerifier
  let signIn: AccountConsoleSignIn
  let pages: HostedPages

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    var context = context
    if let token = BrowserCookies.value(AccountConsoleSignIn.accessCookie, in: request, maxLength: 4096),
      let claims = try? await consoleCaller(token, context: context)
    {
      context.caller = claims
      if let refused = await overLimit(claims, request, context) { return refused }
      return try await next(request, context)
    }
    var renewed: OAuthTokenResponse?
    do {
      if let refresh = BrowserCookies.value(AccountConsoleSignIn.refreshCookie, in: request) {
        renewed = try await signIn.refresh(refresh, request: request, context: context)
      }
      if let renewed { context.caller = try await consoleCaller(renewed.accessToken, context: context) }
    } catch {
      return await pages.catching(request, context) { throw error }
    }
    guard let renewed else {
      // A form posted after the sign-in ran out comes back to the page, not to the form's action.
      let page =
        request.method == .get
        ? request.uri.path : AccountConsoleSignIn.safePage(request.uri.path.split(separator: "/").first.map { "/\($0)" } ?? "")
      var response = signIn.start(returningTo: page)
      for cookie in AccountConsoleSignIn.signedOutCookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
      return response
    }
    var response = try await next(request, context)
    let cookies = AccountConsoleSignIn.cookies(
      accessToken: renewed.accessToken, expiresIn: renewed.expiresIn, refreshToken: renewed.refreshToken)
    for cookie in cookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
    return response
  }

  /// The per-user limit the JSON API's signed-in routes count (SignedInMiddleware), as a page.
  private func overLimit(_ claims: AccessTokenClaims, _ request: Request, _ context: Context) async -> Response? {
    guard let limits = verifier.limits else { return nil }
    do {
      _ = try await limits.enforce([(limits.user, claims.sub)])
      return nil
    } catch {
      return await pages.catching(request, context) { throw error }
    }
  }

  /// The console's own signed-in user: a user's token of the console's service, nothing else.
  private func consoleCaller(_ token: String, context: Context) async throws -> AccessTokenClaims {
    let claims = try await verifier.verify(token, context: context.rpcContext)
    guard claims.aud == AccountConsoleClient.slug, claims.sid != nil else {
      throw AccessTokenVerifier.invalid("The token is not the account console's.")
    }
    return claims
  }
}

extension RouterGroup<GatewayRequestContext> {
  /// The account console's signed-in pages: AccountConsoleMiddleware, then SignedInContext.
  func accountConsole(_ middleware: AccountConsoleMiddleware) -> RouterGroup<SignedInContext> {
    group().add(middleware: middleware).group(context: SignedInContext.self)
  }
}
