/// `GET /oauth/authorize` (docs/oidc.md): what an authorization request can be refused with.
/// Before the client and its redirect URI are known good, a refusal is a page shown to the
/// person and never a redirect; after, it goes back to the client's redirect URI as `error`,
/// `error_description`, `state` and `iss`.
public enum AuthorizationProblems: ProblemDomain {
  public static let name = "Authorization requests (`/oauth/authorize`)"
  public static let summary =
    "Shown as an error page while the client or its redirect URI is in doubt; otherwise redirected to the client "
    + "as `error=<code>` with `error_description`, `state` and `iss` (RFC 9207)."

  public static let unknownClient = OAuthProblems.invalidClient.variant(
    status: 400, title: "Unknown client",
    doc: "Page: `client_id` is missing or names no open service; the app sent a wrong client id.")
  public static let redirectURINotRegistered = SocialProblems.invalidRedirectURI.variant(
    title: "Redirect URI not registered",
    doc: "Page: `redirect_uri` is missing or not exactly one of the service's registered redirect URIs; nothing is redirected.")
  public static let malformedRequest = OAuthProblems.invalidRequest.variant(
    title: "Malformed authorization request",
    doc: "A parameter is repeated, malformed or missing (PKCE for a public client, `plain` PKCE, an unknown `prompt`); "
      + "a page when it is `client_id` or `redirect_uri`, otherwise redirected.")
  public static let unsupportedResponseType = ProblemKind(
    "unsupported_response_type", status: 400, title: "unsupported_response_type",
    doc: "Redirected: `response_type` is not `code`, the only flow offered.")
  /// Redirected: `scope` lacks `openid` or names a scope the service does not offer (OAuth's own entry).
  public static let scopeRefused = OAuthProblems.invalidScope

  public static let all = [unknownClient, redirectURINotRegistered, malformedRequest, unsupportedResponseType]
}
