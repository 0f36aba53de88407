/// OAuth 2.0's own error names (RFC 6749 section 5.2, RFC 8628's `slow_down`): what `/oauth/token`,
/// `/oauth/revoke` and `/oauth/introspect` answer as `{"error", "error_description"}`. Their
/// title is the error name itself.
public enum OAuthProblems: ProblemDomain {
  public static let name = "OAuth 2.0 (`/oauth` routes)"
  public static let summary =
    "Answered as `{\"error\", \"error_description\"}` (RFC 6749), never as problem JSON; "
    + "`error` is the code below; any other 4xx problem is answered as `invalid_request`, a 500 as `server_error` and another 5xx "
    + "as `temporarily_unavailable`, each with its problem's status."

  public static let invalidRequest = RequestProblems.invalidRequest.variant(
    title: "invalid_request",
    doc: "A parameter is missing, repeated or malformed, or the client authenticated two ways at once; fix the form as described.")
  public static let bodyTooLarge = invalidRequest.variant(
    status: 413,
    doc: "The form is larger than the gateway reads; send less.")
  public static let invalidClient = ProblemKind(
    "invalid_client", status: 401, title: "invalid_client",
    doc: "The client id is unknown or the secret missing or wrong (sent with `WWW-Authenticate: Basic`); check the credentials.")
  public static let invalidGrant = ProblemKind(
    "invalid_grant", status: 400, title: "invalid_grant",
    doc: "The password, refresh token or code is wrong, expired or of another client, or the account may not sign in to the service.")
  public static let unauthorizedClient = ProblemKind(
    "unauthorized_client", status: 400, title: "unauthorized_client",
    doc: "The client may not do this: the service does not accept its client type, or the token was issued to another client.")
  public static let unsupportedGrantType = ProblemKind(
    "unsupported_grant_type", status: 400, title: "unsupported_grant_type",
    doc: "`grant_type` is not password, refresh_token, client_credentials or authorization_code.")
  public static let invalidScope = ProblemKind(
    "invalid_scope", status: 400, title: "invalid_scope",
    doc: "A requested scope is not on offer for this grant; `error_description` lists those that are.")
  public static let slowDown = ProblemKind(
    "slow_down", status: 429, title: "slow_down",
    doc: "A rate limit is reached (`rate_limited` elsewhere); retry after `Retry-After` seconds.")
  public static let all = [
    invalidRequest, bodyTooLarge, invalidClient, invalidGrant, unauthorizedClient, unsupportedGrantType, invalidScope, slowDown,
  ]

  /// The error names an `/oauth` answer may carry as they are (with `mfa_required`, whose
  /// `mfa_token` a password grant needs); any other 4xx problem is answered as `invalid_request`.
  public static let clientErrorNames: Set<String> = Set(
    [
      invalidRequest, invalidClient, invalidGrant, unauthorizedClient, unsupportedGrantType, invalidScope, slowDown,
      MFAProblems.mfaRequired,
    ].map(\.code))
}
