/// Sign-in with an external provider (Google, Kakao, ...) and linking provider accounts.
public enum SocialProblems: ProblemDomain {
  public static let name = "Social sign-in"
  public static let summary =
    "Starting and finishing a sign-in with a provider, exchanging its login code, and linked accounts ([social](social.md))."

  public static let providerNotEnabled = ProblemKind(
    "provider_not_enabled", status: 400, title: "Invalid request",
    doc: "The service does not offer sign-in with this provider; enable it in the service's `social_providers`.")
  public static let invalidRedirectURI = ProblemKind(
    "invalid_redirect_uri", status: 400, title: "Invalid request",
    doc: "`redirect_uri` is not one of the service's registered redirect URIs; register it or send a registered one.")
  public static let invalidState = ProblemKind(
    "invalid_state", status: 400, title: "Invalid request",
    doc: "The provider's callback carries a state that is unknown, used, expired or of another provider; start the sign-in again.")
  public static let invalidLinkCode = ProblemKind(
    "invalid_link_code", status: 400, title: "Invalid request",
    doc: "The link code is unknown, used, expired or not the caller's; start linking again.")
  public static let invalidGrant = OAuthProblems.invalidGrant.variant(
    title: "Invalid grant",
    doc: "A login code exchange failed: the code is unknown, used or expired, or the redirect URI, verifier or client does not match.")
  public static let providerNotFound = ProblemKind(
    "provider_not_found", status: 404, title: "Not found",
    doc: "No sign-in provider of this name is configured in this deployment.")
  public static let notLinked = ProblemKind(
    "not_linked", status: 404, title: "Not found",
    doc: "The account has no linked account of this provider.")
  public static let alreadyLinked = ProblemKind(
    "already_linked", status: 409, title: "Already linked",
    doc: "The provider account is linked to another user, or this user has one of this provider already; unlink that first.")
  public static let lastLoginMethod = ProblemKind(
    "last_login_method", status: 409, title: "Last way to sign in",
    doc: "Unlinking would leave the account no way to sign in; set a password or link another provider first.")
  public static let providerUnavailable = ProblemKind(
    "provider_unavailable", status: 502, title: "Provider unavailable",
    doc: "The provider's discovery endpoints did not answer usably; retry later.")
  public static let providerDenied = ProblemKind(
    "provider_denied", status: 400, title: "The provider did not sign you in",
    doc: "Page: a social sign-in started on the hosted sign-in page failed at or after the provider; go back to the app and try again.")
  public static let linkNotCompleted = ProblemKind(
    "link_not_completed", status: 400, title: "The provider account was not linked",
    doc: "Page: a link started in the account console was cancelled or failed at the provider; nothing was linked. Start it again.")

  public static let all = [
    providerNotEnabled, invalidRedirectURI, invalidState, invalidLinkCode, invalidGrant, providerNotFound, notLinked, alreadyLinked,
    lastLoginMethod, providerUnavailable, providerDenied, linkNotCompleted,
  ]
}
