import Foundation
import Hummingbird
import Shared

/// Social sign-in (docs/social.md): `/api/v1/social/*` for apps and browsers, and the signed-in
/// user's linked accounts under `/api/v1/users/me/social-accounts`. social-service decides; the
/// gateway turns its answers into redirects and token responses.
struct SocialController: Sendable {
  let rpc: RPCClient
  let limits: RateLimits
  let pages: HostedPages

  /// `social` is `/api/v1/social`; `linked` is `/api/v1/users/me/social-accounts` for a signed-in caller.
  func addRoutes(social: RouterGroup<GatewayRequestContext>, linked: RouterGroup<SignedInContext>) {
    social.get("providers", use: providers)
      .get(":provider/authorize", use: authorize)
      .get(":provider/callback", use: callback)
      .post(":provider/callback", use: formPostCallback)
      .post("token", use: token)
    linked.get(use: linkedAccounts)
      .post(":provider", use: startLink)
      .post(":provider/complete", use: completeLink)
      .delete(":provider", use: unlink)
  }

  @Sendable func providers(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let service = try Query.required(request, "service")
    return JSONResponse.relayed(
      try await rpc.relay(
        SocialRPC.providers, SocialProvidersRequest(service: service), context: context.rpcContext))
  }

  @Sendable func authorize(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    _ = try await limits.enforce([(limits.social, "ip:\(context.client(request).ip ?? "unknown")")])
    let query = request.uri.queryParameters
    let redirect = try await rpc.call(
      SocialRPC.authorize,
      SocialAuthorizeRequest(
        provider: try context.parameters.require("provider"), service: try Query.required(request, "service"),
        redirectURI: try Query.required(request, "redirect_uri"), state: query["state"].map(String.init),
        codeChallenge: query["code_challenge"].map(String.init), codeChallengeMethod: query["code_challenge_method"].map(String.init)),
      context: context.rpcContext)
    return Redirect.found(redirect.location)
  }

  @Sendable func callback(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    try await forward(request, context, form: [:])
  }

  /// Apple's response_mode=form_post.
  @Sendable func formPostCallback(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    try await forward(request, context, form: try await FormBody.decode(request))
  }

  /// The provider's answer to social-service, from the query and (form_post) the form; the form's value wins.
  private func forward(_ request: Request, _ context: GatewayRequestContext, form: [String: String]) async throws -> Response {
    var parameters = form
    for (name, value) in request.uri.queryParameters where parameters[String(name)] == nil {
      parameters[String(name)] = String(value)
    }
    let redirect = try await rpc.call(
      SocialRPC.callback,
      SocialCallbackRequest(
        provider: try context.parameters.require("provider"), parameters: parameters, client: context.client(request),
        browser: BrowserCookies.browser(request, context: context)),
      context: context.rpcContext)
    // A sign-in of the hosted pages continues its authorization (docs/oidc.md).
    if let step = redirect.step { return await pages.respond(step, request: request, context: context, rpc: rpc) }
    return Redirect.found(redirect.location)
  }

  @Sendable func token(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let body = try await JSONBody.decode(SocialExchangeBody.self, from: request)
    let grant = try await rpc.call(
      SocialRPC.exchange, SocialExchangeRequest(body: body, client: context.client(request)),
      context: context.rpcContext)
    return try TokenResponseBody.response(for: grant)
  }

  @Sendable func linkedAccounts(_ request: Request, context: SignedInContext) async throws -> Response {
    JSONResponse.relayed(
      try await rpc.relay(
        SocialRPC.linkedAccounts, NoRequest(), context: context.rpcContext))
  }

  @Sendable func startLink(_ request: Request, context: SignedInContext) async throws -> Response {
    let user = context.user
    let body = try await JSONBody.decode(LinkStart.self, from: request)
    try await context.reauthenticate("social_link", password: body.currentPassword, request: request, rpc: rpc)
    let redirect = try await rpc.call(
      SocialRPC.authorize,
      SocialAuthorizeRequest(
        provider: try context.parameters.require("provider"), service: user.aud, redirectURI: body.redirectURI, state: body.state,
        codeChallenge: nil, codeChallengeMethod: nil, link: true), context: context.rpcContext)
    return try JSONResponse.make(LinkStarted(authorizeURL: redirect.location))
  }

  @Sendable func completeLink(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await JSONBody.decode(LinkCode.self, from: request)
    try await context.reauthenticate("social_link", password: body.currentPassword, request: request, rpc: rpc)
    return JSONResponse.relayed(
      try await rpc.relay(
        SocialRPC.completeLink,
        SocialLinkCompletion(provider: try context.parameters.require("provider"), code: body.linkCode),
        context: context.rpcContext))
  }

  @Sendable func unlink(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = request.headers[.contentType] == nil ? nil : try await JSONBody.decode(CurrentPasswordBody.self, from: request)
    try await context.reauthenticate("social_unlink", password: body?.currentPassword, request: request, rpc: rpc)
    return JSONResponse.relayed(
      try await rpc.relay(
        SocialRPC.unlink, SocialUnlinkRequest(provider: try context.parameters.require("provider")),
        context: context.rpcContext))
  }
}
