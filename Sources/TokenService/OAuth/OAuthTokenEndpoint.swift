import Foundation
import Shared

/// `POST /oauth/token`: the password, refresh_token, client_credentials and authorization_code
/// grants, each on top of the same rules as the JSON API (lock-out, rotation with reuse
/// detection, membership; a social sign-in's login code with PKCE). OAuth clients get the
/// refresh token in the body: they are apps, not browsers.
struct OAuthTokenEndpoint: Sendable {
  let clients: ClientAuthenticator
  let login: Login
  let refresh: Refresh
  let tokens: TokenIssuer
  let rpc: RPCClient
  let codes: CodeExchange

  func token(_ request: OAuthTokenRequest, requestID: String?) async throws -> OAuthTokenResponse {
    switch request.grantType {
    case "password":
      let client = try await clients.authenticate(request.credentials, requireSecret: false)
      let scope = try Self.scope(request.scope, offered: TokenIssuer.userScope)
      guard let username = request.username, !username.isEmpty, let password = request.password else {
        throw OAuthProblems.invalidRequest.problem("The password grant needs username and password.")
      }
      let byEmail = username.contains("@")
      let body = LoginBody(
        service: client.service.slug, username: byEmail ? nil : username, email: byEmail ? username : nil,
        password: password, rememberMe: false, clientType: .native)
      let grant = try await Self.inOAuthTerms {
        try await login.login(LoginRequest(body: body, client: request.client), requestID: requestID)
      }
      return OAuthTokenResponse(accessToken: grant.accessToken, expiresIn: grant.expiresIn, refreshToken: grant.refreshToken, scope: scope)
    case "refresh_token":
      let client = try await clients.authenticate(request.credentials, requireSecret: false)
      let scope = try Self.scope(request.scope, offered: TokenIssuer.userScope)
      guard let token = request.refreshToken, !token.isEmpty else {
        throw OAuthProblems.invalidRequest.problem("The refresh_token grant needs refresh_token.")
      }
      let grant = try await Self.inOAuthTerms {
        try await refresh.refresh(
          RefreshRequest(refreshToken: token, client: request.client, cookieOrigin: nil),
          service: client.service.slug, requestID: requestID)
      }
      return OAuthTokenResponse(accessToken: grant.accessToken, expiresIn: grant.expiresIn, refreshToken: grant.refreshToken, scope: scope)
    case "client_credentials":
      let client = try await clients.authenticate(request.credentials, requireSecret: true)
      let scope = try Self.scope(request.scope, offered: TokenIssuer.clientScope)
      try await Self.inOAuthTerms { try client.service.requireOpen() }
      let token = try await tokens.clientToken(service: client.service)
      return OAuthTokenResponse(accessToken: token, expiresIn: client.service.accessTokenTTL, refreshToken: nil, scope: scope)
    case "authorization_code":
      let client = try await clients.authenticate(request.credentials, requireSecret: false)
      if let code = request.code, code.hasPrefix(AuthorizationCodeStore.prefix) {
        return try await codes.exchange(code, request, client: client, requestID: requestID)
      }
      // The code of a social sign-in (social-service keeps it); a confidential client also proves its secret.
      guard let code = request.code, let redirectURI = request.redirectURI, let verifier = request.codeVerifier else {
        throw OAuthProblems.invalidRequest.problem("The authorization_code grant needs code, redirect_uri and code_verifier.")
      }
      let grant = try await Self.inOAuthTerms {
        try await rpc.call(
          SocialRPC.exchange,
          SocialExchangeRequest(
            body: SocialExchangeBody(code: code, redirectURI: redirectURI, codeVerifier: verifier, clientType: .native),
            clientID: client.service.clientID, client: request.client), context: RPCCallContext(requestID: requestID))
      }
      return OAuthTokenResponse(
        accessToken: grant.accessToken, expiresIn: grant.expiresIn, refreshToken: grant.refreshToken,
        scope: TokenIssuer.userScope)
    default:
      throw OAuthProblems.unsupportedGrantType.problem(
        "grant_type is one of password, refresh_token, client_credentials, authorization_code.")
    }
  }

  /// The scope granted: what was asked for, when all of it is on offer; everything on offer when nothing was asked.
  static func scope(_ requested: String?, offered: String) throws(Problem) -> String {
    guard let requested, !requested.isEmpty else { return offered }
    let asked = requested.split(separator: " ").map(String.init)
    let available = Set(offered.split(separator: " ").map(String.init))
    guard asked.allSatisfy(available.contains) else {
      throw OAuthProblems.invalidScope.problem("The scopes on offer are: \(offered).")
    }
    return asked.joined(separator: " ")
  }

  static func inOAuthTerms<T>(_ body: () async throws -> T) async throws -> T {
    do {
      return try await body()
    } catch let problem as Problem {
      throw problem.asOAuthError
    }
  }
}
