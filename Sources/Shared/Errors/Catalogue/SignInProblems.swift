/// Signing in, refreshing and ending sessions, and the tokens that carry them.
public enum SignInProblems: ProblemDomain {
  public static let name = "Sign-in and sessions"
  public static let summary = "Sign-in, token refresh, logout and the bearer token a route needs."

  public static let clientTypeNotAllowed = ProblemKind(
    "client_type_not_allowed", status: 400, title: "Client type not allowed",
    doc: "The service does not accept this `client_type` (web, mobile, native); sign in from a kind of app it allows.")
  public static let missingRefreshToken = ProblemKind(
    "missing_refresh_token", status: 400, title: "Missing refresh token",
    doc: "A refresh came with neither `refresh_token` in the body nor the service's refresh cookie; send one of them.")
  public static let serviceRequired = ProblemKind(
    "service_required", status: 400, title: "Service required",
    doc: "The browser holds refresh cookies of several services; name yours in the body's `service`.")
  public static let invalidTokenRequest = invalidToken.variant(
    status: 400, title: "Invalid request",
    doc: "A logout's token names no session (a client's own token); log out with a user's session token.")
  public static let invalidCredentials = ProblemKind(
    "invalid_credentials", status: 401, title: "Invalid credentials",
    doc: "The username, e-mail or password is wrong; repeated failures lock sign-in (`account_locked`).")
  public static let invalidToken = ProblemKind(
    "invalid_token", status: 401, title: "Invalid token",
    doc: "The bearer token is missing, malformed, expired or revoked, or its session has ended; sign in or refresh again.")
  public static let invalidRefreshToken = ProblemKind(
    "invalid_refresh_token", status: 401, title: "Invalid refresh token",
    doc: "The refresh token is unknown, expired, of another client or of a session that ended; sign in again.")
  public static let refreshTokenReused = ProblemKind(
    "refresh_token_reused", status: 401, title: "Refresh token reused",
    doc: "A refresh token was used a second time, so its session was ended as possibly stolen; sign in again.")
  public static let accountDisabled = ProblemKind(
    "account_disabled", status: 403, title: "Account disabled",
    doc: "The account is disabled and cannot sign in; an administrator can enable it.")
  public static let accessDenied = ProblemKind(
    "access_denied", status: 403, title: "Access denied",
    doc: "The account is not an active member of the service it signs in to; a service admin can add or reactivate it.")
  public static let userTokenRequired = ProblemKind(
    "user_token_required", status: 403, title: "User token required",
    doc: "The route acts for a signed-in user and got a client's own token; call it with a user's access token.")
  public static let sessionNotFound = ProblemKind(
    "session_not_found", status: 404, title: "Not found",
    doc: "No open session of the caller has this id; list the sessions again.")
  public static let accountLocked = ProblemKind(
    "account_locked", status: 423, title: "Account locked",
    doc: "Too many failed sign-ins from this address; try again at the time `detail` gives.")

  public static let all = [
    clientTypeNotAllowed, missingRefreshToken, serviceRequired, invalidTokenRequest, invalidCredentials, invalidToken,
    invalidRefreshToken, refreshTokenReused, accountDisabled, accessDenied, userTokenRequired, sessionNotFound, accountLocked,
  ]
}
