import HTTPTypes
import Hummingbird
import Shared

/// `/api/v1/auth/*`: the routes apps call to create accounts and sign users in (docs/accounts.md).
/// `mfa/verify` is MFAController's.
struct AuthController: Sendable {
  let rpc: RPCClient
  let verifier: AccessTokenVerifier
  let limits: RateLimits

  func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
    group.post("register", use: register)
      .post("login", use: login)
      .post("refresh", use: refresh)
      .get("verify", use: verify)
    group.signedIn(verifier)
      .post("logout", use: logout)
      .post("logout-all", use: logoutAll)
  }

  @Sendable func register(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let body = try await JSONBody.decode(RegisterBody.self, from: request)
    _ = try await limits.enforce([(limits.register, context.client(request).ip ?? "unknown")])
    let response = try await rpc.call(
      TokenRPC.register, RegisterRequest(body: body, client: context.client(request)), context: context.rpcContext)
    return try JSONResponse.make(response, status: .created)
  }

  @Sendable func login(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let body = try await JSONBody.decode(LoginBody.self, from: request)
    let ip = context.client(request).ip ?? "unknown"
    let who = (body.username ?? body.email ?? "").lowercased()
    _ = try await limits.enforce([(limits.login, "ip:\(ip)"), (limits.loginUser, "user:\(ip):\(who)")])
    let grant = try await rpc.call(
      TokenRPC.login, LoginRequest(body: body, client: context.client(request)), context: context.rpcContext)
    return try TokenResponseBody.response(for: grant)
  }

  /// Mobile and native clients send the token in the body; web clients hold it in their service's cookie.
  @Sendable func refresh(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let body = request.headers[.contentType] == nil ? RefreshBody() : try await JSONBody.decode(RefreshBody.self, from: request)
    if let token = body.refreshToken {
      return try TokenResponseBody.response(
        for: try await rpc.call(
          TokenRPC.refresh,
          RefreshRequest(
            refreshToken: token, client: context.client(request), cookieOrigin: nil, service: body.service),
          context: context.rpcContext))
    }
    guard let cookie = try RefreshCookie.presented(in: request, service: body.service) else {
      throw SignInProblems.missingRefreshToken.problem(
        "Send refresh_token in the body, or your service's \(RefreshCookie.prefix)<service> cookie.", field: "refresh_token")
    }
    // A legacy cookie of another service is refused unspent and left for that service's refresh.
    let grant = try await rpc.call(
      TokenRPC.refresh,
      RefreshRequest(
        refreshToken: cookie.token, client: context.client(request), cookieOrigin: request.headers[.origin] ?? "",
        service: cookie.service), context: context.rpcContext)
    var response = try TokenResponseBody.response(for: grant)
    if cookie.isLegacy { response.headers.append(HTTPField(name: .setCookie, value: RefreshCookie.expired(RefreshCookie.legacyName))) }
    return response
  }

  /// Any valid token, a service's own too: resource servers ask here.
  @Sendable func verify(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let claims = try await verifier.bearer(request, context: context)
    // A resource server names itself, and a token for another service is refused.
    if let audience = request.uri.queryParameters["audience"].map(String.init), claims.aud != audience {
      throw BearerChallenge(AccessTokenVerifier.invalid("The token is for another service."))
    }
    return try JSONResponse.make(VerifiedToken(valid: true, claims: claims))
  }

  @Sendable func logout(_ request: Request, context: SignedInContext) async throws -> Response {
    try await end(TokenRPC.logout, request, context: context)
  }

  @Sendable func logoutAll(_ request: Request, context: SignedInContext) async throws -> Response {
    try await end(TokenRPC.logoutAll, request, context: context)
  }

  private func end(
    _ method: RPCMethod<LogoutRequest, LogoutResponse>, _ request: Request,
    context: SignedInContext
  ) async throws -> Response {
    let ended = try await rpc.call(
      method, LogoutRequest(client: context.client(request)), context: context.rpcContext)
    var response = try JSONResponse.make(ended)
    // A web client's refresh cookie of this service goes too; other services' cookies stay.
    response.headers[.setCookie] = RefreshCookie.expired(RefreshCookie.name(service: context.user.aud))
    return response
  }
}

/// `GET /api/v1/auth/verify`'s answer.
struct VerifiedToken: Codable {
  let valid: Bool
  let claims: AccessTokenClaims
}
