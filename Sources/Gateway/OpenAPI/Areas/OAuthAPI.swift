import Shared

/// `/oauth/*` and `/.well-known/*` (docs/oidc.md): OAuth 2 and OpenID Connect, whose errors are
/// RFC 6749's (`{"error", "error_description"}`), not problems.
enum OAuthAPI {
  static let oauth = RequestProblems.all + OAuthProblems.all + OpenIDProblems.all + SignInProblems.all + PlatformProblems.all
  static let pages = RequestProblems.all + AuthorizationProblems.all + OpenIDProblems.all + PlatformProblems.all

  /// The authorization request's parameters (OpenID Connect Core 3.1.2.1, RFC 7636, RFC 9207).
  static let authorization: [APIOperation.QueryParameter] = [
    "response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method", "prompt",
    .integer("max_age"), "login_hint", "ui_locales", "acr_values", "response_mode",
  ]

  static let operations: [APIOperation] = [
    .init(
      .post, "/oauth/token", tag: "OAuth", "Tokens for a grant: authorization_code, refresh_token, password, client_credentials",
      security: [.oauthClient], request: .form("grant_type and the grant's fields (RFC 6749, RFC 7636)"),
      answers: [.ok(TokenRPC.oauthToken)], problems: oauth),
    .init(
      .post, "/oauth/revoke", tag: "OAuth", "Revoke a token (RFC 7009)", security: [.oauthClient], request: .form("token, token_type_hint"),
      answers: [.init(status: 200, summary: "Revoked, or unknown", body: .empty)], problems: oauth),
    .init(
      .post, "/oauth/introspect", tag: "OAuth", "What a token is (RFC 7662), for its own client", security: [.oauthClient],
      request: .form("token, token_type_hint"), answers: [.ok(TokenRPC.oauthIntrospect)], problems: oauth),
    .init(
      .get, "/oauth/authorize", tag: "OpenID Connect", "The authorization endpoint: the sign-in page, or back to the client",
      query: authorization,
      answers: [.page("The sign-in, second-factor or consent page"), .redirect("Back to the client with a code or an error", status: 302)],
      problems: pages),
    .init(
      .post, "/oauth/authorize", tag: "OpenID Connect", "The same with the parameters in a form",
      request: .form("the authorization request's parameters"),
      answers: [.page("The sign-in, second-factor or consent page"), .redirect("Back to the client with a code or an error", status: 302)],
      problems: pages),
    .init(
      .get, "/oauth/logout", tag: "OpenID Connect", "RP-initiated logout: the confirmation page",
      query: ["id_token_hint", "post_logout_redirect_uri", "state", "client_id", "ui_locales"],
      answers: [.page("Sign out of this browser?"), .redirect("To the client's post-logout URI")], problems: pages),
    .init(
      .post, "/oauth/logout", tag: "OpenID Connect", "RP-initiated logout, confirmed", request: .form("csrf, id_token_hint, state"),
      answers: [.page("Signed out"), .redirect("To the client's post-logout URI")], problems: pages),
    .init(
      .get, "/oauth/userinfo", tag: "OpenID Connect", "The signed-in person's claims", security: [.bearer],
      answers: [.ok(TokenRPC.userinfo)], problems: oauth),
    .init(
      .post, "/oauth/userinfo", tag: "OpenID Connect", "The same, posted", security: [.bearer], answers: [.ok(TokenRPC.userinfo)],
      problems: oauth),
    .init(
      .get, "/.well-known/jwks.json", tag: "OpenID Connect", "The public signing keys",
      answers: [
        .init(
          status: 200, summary: "The keys (RFC 7517)",
          body: .json(SchemaReflection.schema(of: JWKSet.self), name: "JWKSet", mediaType: "application/jwk-set+json"))
      ],
      problems: PlatformProblems.all),
    .init(
      .get, "/.well-known/openid-configuration", tag: "OpenID Connect", "The issuer's metadata (OpenID Connect Discovery)",
      answers: [.init(status: 200, summary: "The metadata", body: .json(.freeForm, name: "DiscoveryDocument"))]),
  ]
}

/// `/healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/docs`.
enum MetaAPI {
  static let operations: [APIOperation] = [
    .init(
      .get, "/healthz", tag: "Operations", "The gateway process answers",
      answers: [.init(status: 200, summary: "Up", body: .json(.freeForm, name: "Health"))]),
    .init(
      .get, "/readyz", tag: "Operations", "Redis and every back end answer",
      answers: [
        .init(status: 200, summary: "Ready", body: .json(.freeForm, name: "Readiness")),
        .init(status: 503, summary: "Not ready: the report says what is missing", body: .json(.freeForm, name: "Readiness")),
      ]),
    .init(.get, "/metrics", tag: "Operations", "Prometheus metrics", answers: [.init(status: 200, summary: "Metrics text", body: .empty)]),
    .init(
      .get, "/openapi.json", tag: "Operations", "This document",
      answers: [.init(status: 200, summary: "OpenAPI 3.1", body: .json(.freeForm, name: "OpenAPI"))]),
    .init(.get, "/docs", tag: "Operations", "This document as a page for people", answers: [.page("The API reference")]),
  ]
}
