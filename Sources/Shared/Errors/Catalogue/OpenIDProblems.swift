/// Gatehouse as an OpenID Provider (docs/oidc.md): what its pages, `/oauth/userinfo` and
/// `/oauth/logout` answer besides the authorization request's own refusals. Those sent back to
/// the client carry OpenID's error names as their code.
public enum OpenIDProblems: ProblemDomain {
  public static let name = "OpenID Provider (pages, `/oauth/userinfo`, `/oauth/logout`)"
  public static let summary =
    "Page errors are shown to the person with the code and `request_id`; `login_required`, `consent_required` and "
    + "`access_denied` go back to the client's redirect URI as `error`."

  public static let loginRequired = ProblemKind(
    "login_required", status: 400, title: "login_required",
    doc: "Redirected: `prompt=none` and the person is not signed in (or must sign in again); send them without `prompt=none`.")
  public static let consentRequired = ProblemKind(
    "consent_required", status: 400, title: "consent_required",
    doc: "Redirected: `prompt=none` and the person has not allowed this client the scopes; ask without `prompt=none`.")
  public static let interactionRequired = ProblemKind(
    "interaction_required", status: 400, title: "interaction_required",
    doc: "Redirected: `prompt=none` and the service needs a second factor the person's session has not passed.")
  public static let consentDenied = SignInProblems.accessDenied.variant(
    status: 400, title: "access_denied",
    doc: "Redirected: the person refused the consent page, or may not sign in to this service.")
  public static let formExpired = ProblemKind(
    "form_expired", status: 403, title: "This form has expired",
    doc:
      "Page: the form's CSRF token did not match this browser, or its sign-in request is older than 15 minutes; start again from the app.")
  public static let authorizationExpired = ProblemKind(
    "authorization_expired", status: 400, title: "This sign-in has expired",
    doc: "Page: the sign-in request the form continues is unknown, finished or older than 15 minutes; start again from the app.")
  public static let invalidIDTokenHint = ProblemKind(
    "invalid_id_token_hint", status: 400, title: "Invalid id_token_hint",
    doc: "Page: `/oauth/logout`'s `id_token_hint` is not an ID token this provider signed.")
  public static let postLogoutRedirectURINotRegistered = ProblemKind(
    "post_logout_redirect_uri_not_registered", status: 400, title: "Post-logout redirect URI not registered",
    doc: "Page: `post_logout_redirect_uri` is not exactly one of the client's registered post-logout redirect URIs, or names no client.")
  public static let insufficientScope = ProblemKind(
    "insufficient_scope", status: 403, title: "insufficient_scope",
    doc: "`/oauth/userinfo` with an access token whose scope lacks `openid`: get one through the authorization endpoint.")

  public static let consentNotFound = ProblemKind(
    "consent_not_found", status: 404, title: "No such consent",
    doc: "`DELETE /api/v1/users/me/consents/{service}`: you have not allowed that service anything (or revoked it already).")
  public static let consoleSignInFailed = ProblemKind(
    "console_sign_in_failed", status: 400, title: "Signing in to your account did not finish",
    doc:
      "Page: the account console's own sign-in came back with an error (the person cancelled, or the request expired); open /account again."
  )

  public static let all = [
    loginRequired, consentRequired, interactionRequired, consentDenied, formExpired, authorizationExpired, invalidIDTokenHint,
    postLogoutRedirectURINotRegistered, insufficientScope, consentNotFound, consoleSignInFailed,
  ]
}
