import Hummingbird
import Shared

/// `/oauth/token`, `/oauth/revoke`, `/oauth/introspect` (docs/accounts.md): form-encoded requests,
/// OAuth error bodies (`{"error", "error_description"}`), `Cache-Control: no-store` on every answer.
struct OAuthController: Sendable {
  let rpc: RPCClient
  let limits: RateLimits

  func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
    group.post("token", use: token)
      .post("revoke", use: revoke)
      .post("introspect", use: introspect)
  }

  @Sendable func token(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    try await OAuthErrorResponse.catching(context) {
      let form = try await OAuthForm(request)
      let grantType = try form.required("grant_type")
      let username = form["username"]
      if grantType == "password" {
        let ip = context.client(request).ip ?? "unknown"
        let who = (username ?? "").lowercased()
        _ = try await limits.enforce([(limits.login, "ip:\(ip)"), (limits.loginUser, "user:\(ip):\(who)")])
      }
      let answer = try await rpc.call(
        TokenRPC.oauthToken,
        OAuthTokenRequest(
          grantType: grantType, credentials: try form.clientCredentials(request), username: username,
          password: form["password"], refreshToken: form["refresh_token"], scope: form["scope"],
          code: form["code"], redirectURI: form["redirect_uri"], codeVerifier: form["code_verifier"],
          client: context.client(request)), context: context.rpcContext)
      var response = try JSONResponse.make(answer)
      response.headers[.pragma] = "no-cache"
      return response
    }
  }

  @Sendable func revoke(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    try await OAuthErrorResponse.catching(context) {
      let form = try await OAuthForm(request)
      _ = try await rpc.call(TokenRPC.oauthRevoke, try form.inspection(request, context: context), context: context.rpcContext)
      return Response(status: .ok, headers: [.cacheControl: "no-store"])
    }
  }

  @Sendable func introspect(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    try await OAuthErrorResponse.catching(context) {
      let form = try await OAuthForm(request)
      let answer = try await rpc.call(
        TokenRPC.oauthIntrospect, try form.inspection(request, context: context), context: context.rpcContext)
      return try JSONResponse.make(answer)
    }
  }
}
