import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Shared

/// How the account console signs in (docs/pages.md): as a relying party of our own provider.
/// Without a console cookie the browser goes to `/oauth/authorize` for the console's client
/// (PKCE S256, a state), whose pages sign the person in or use their browser session; the
/// callback exchanges the code through token-service as any public client would. The console's
/// access and refresh tokens then live in their own HttpOnly `__Host-` cookies, and an expired
/// access token is refreshed (rotated) on the next page.
struct AccountConsoleSignIn: Sendable {
  let rpc: RPCClient
  let issuer: String

  static let accessCookie = AccountConsoleClient.accessCookie
  static let refreshCookie = "__Host-gh_account_refresh"
  /// The pending sign-in: `state.verifier.page`, for ten minutes.
  static let flowCookie = "__Host-gh_account_flow"
  static let flowLifetime = 600
  /// The refresh token's cookie outlives the access token's; the service's own lifetimes rule.
  static let refreshLifetime = 7 * 86_400
  /// A public client: its id, no secret (PKCE proves the exchange).
  static let credentials = ClientCredentials(clientID: AccountConsoleClient.clientID, clientSecret: nil)

  /// Sends the browser to sign in, to come back to `page` (a path under /account).
  func start(returningTo page: String) -> Response {
    let state = Base64URL.encode(SecureRandom.bytes(24))
    let verifier = Base64URL.encode(SecureRandom.bytes(32))
    let challenge = Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
    let query = URLQuery.encode([
      ("response_type", "code"), ("client_id", AccountConsoleClient.clientID),
      ("redirect_uri", AccountConsoleClient.redirectURI(issuer: issuer)), ("scope", "openid profile email"),
      ("state", state), ("code_challenge", challenge), ("code_challenge_method", "S256"),
    ])
    let flow = [state, verifier, Base64URL.encode(Data(Self.safePage(page).utf8))].joined(separator: ".")
    var response = Response(status: .seeOther, headers: [.location: "/oauth/authorize?\(query)", .cacheControl: "no-store"])
    response.headers.append(HTTPField(name: .setCookie, value: BrowserCookies.set(Self.flowCookie, flow, maxAge: Self.flowLifetime)))
    return response
  }

  /// The callback: the code exchanged if `state` is this browser's, then the page it asked for.
  func finish(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let query = request.uri.queryParameters
    let parts = (BrowserCookies.value(Self.flowCookie, in: request) ?? "").split(separator: ".").map(String.init)
    guard parts.count == 3, let state = query["state"].map(String.init),
      ConstantTime.equal(Array(parts[0].utf8), Array(state.utf8))
    else {
      // Not this browser's sign-in (or one older than ten minutes): start again.
      return start(returningTo: AccountConsoleClient.homePath)
    }
    if let error = query["error"].map(String.init) {
      throw OpenIDProblems.consoleSignInFailed.problem("Signing in to the account console did not finish (\(error.prefix(64))).")
    }
    let grant = try await rpc.call(
      TokenRPC.oauthToken,
      OAuthTokenRequest(
        grantType: "authorization_code", credentials: Self.credentials,
        username: nil, password: nil, refreshToken: nil, scope: nil, code: query["code"].map(String.init) ?? "",
        redirectURI: AccountConsoleClient.redirectURI(issuer: issuer), codeVerifier: parts[1], client: context.client(request)),
      context: context.rpcContext)
    let page = Base64URL.decode(parts[2]).flatMap { String(bytes: $0, encoding: .utf8) } ?? AccountConsoleClient.homePath
    var response = Response(status: .seeOther, headers: [.location: Self.safePage(page), .cacheControl: "no-store"])
    response.headers.append(HTTPField(name: .setCookie, value: BrowserCookies.expired(Self.flowCookie)))
    for cookie in Self.cookies(accessToken: grant.accessToken, expiresIn: grant.expiresIn, refreshToken: grant.refreshToken) {
      response.headers.append(HTTPField(name: .setCookie, value: cookie))
    }
    return response
  }

  /// A rotated pair for the console's refresh token; nil when it is no longer good (then the
  /// person signs in again). A database or Redis outage is thrown, not taken for a sign-out.
  func refresh(_ token: String, request: Request, context: GatewayRequestContext) async throws -> OAuthTokenResponse? {
    do {
      return try await rpc.call(
        TokenRPC.oauthToken,
        OAuthTokenRequest(
          grantType: "refresh_token", credentials: Self.credentials,
          username: nil, password: nil, refreshToken: token, scope: nil, client: context.client(request)),
        context: context.rpcContext)
    } catch let problem as Problem where problem.statusCode < 500 {
      return nil
    }
  }

  /// The console's cookies for a token pair (the refresh token's only when there is a new one).
  static func cookies(accessToken: String, expiresIn: Int, refreshToken: String?) -> [String] {
    var cookies = [BrowserCookies.set(accessCookie, accessToken, maxAge: expiresIn)]
    if let refreshToken { cookies.append(BrowserCookies.set(refreshCookie, refreshToken, maxAge: refreshLifetime)) }
    return cookies
  }

  /// Both token cookies gone: the console is signed out in this browser.
  static let signedOutCookies = [BrowserCookies.expired(accessCookie), BrowserCookies.expired(refreshCookie)]

  /// The pages signed in this way: the account console, the approval page, the admin console.
  static let prefixes = [AccountConsoleClient.homePath, "/approve", "/admin"]

  /// A path of these pages only, so the way back can never lead off the site.
  static func safePage(_ page: String) -> String {
    let ours = prefixes.contains { page == $0 || page.hasPrefix($0 + "/") }
    guard ours, !page.contains("//"), !page.contains("\\"), page.count <= 200 else { return AccountConsoleClient.homePath }
    return page
  }
}
