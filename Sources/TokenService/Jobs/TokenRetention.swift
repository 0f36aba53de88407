import Shared

/// How long token-service keeps rows once they stopped mattering (`GATEHOUSE_RETENTION_*`,
/// docs/retention.md). Rows whose end a rule decides (revocations past their expiry, sign-in
/// throttles with no lock, failure or claim left) need no period beyond the one given here.
struct TokenRetention: Sendable {
  /// After a session ended (revoked, past its absolute lifetime, or idle past its service's
  /// timeout), with its refresh tokens. At least 31 days: the service statistics count the
  /// sessions opened this calendar month.
  var sessions: Duration
  /// After a refresh token's own expiry, spent or not. A spent token is kept until then so
  /// that presenting it again still revokes its session (reuse detection).
  var refreshTokens: Duration
  /// After a sign-in's second-factor challenge expired.
  var mfaChallenges: Duration
  /// After a backup code was used.
  var usedBackupCodes: Duration
  /// After a TOTP enrolment was started and never confirmed.
  var totpEnrolments: Duration
  /// After a sign-in throttle row was last touched, once it holds no lock, no failure in its
  /// 30-minute window and no live claim (it then says nothing a missing row would not).
  var signInThrottles: Duration
  /// After an authorization code expired (docs/oidc.md): kept so that a late replay still
  /// revokes what the code gave. Less than the sessions' minimum, so a code never outlives the
  /// session it names.
  var authorizationCodes: Duration
  /// After a browser session ended (revoked or expired), once no app session or code names it.
  var browserSessions: Duration
  /// After a mailed link's token expired, used or not (docs/recovery.md): an expired token
  /// refuses as well by its absence (`link_invalid` instead of `link_expired`).
  var emailTokens: Duration

  static func load(_ settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> TokenRetention {
    let day: Duration = .seconds(86_400)
    return TokenRetention(
      sessions: try settings.retention("SESSIONS", default: day * 90, minimum: day * 31),
      refreshTokens: try settings.retention("REFRESH_TOKENS", default: day),
      mfaChallenges: try settings.retention("MFA_CHALLENGES", default: day),
      usedBackupCodes: try settings.retention("USED_BACKUP_CODES", default: day * 30),
      totpEnrolments: try settings.retention("TOTP_ENROLMENTS", default: day),
      signInThrottles: try settings.retention("SIGN_IN_THROTTLES", default: .seconds(1800)),
      authorizationCodes: try settings.retention("AUTHORIZATION_CODES", default: day),
      browserSessions: try settings.retention("BROWSER_SESSIONS", default: day * 30),
      emailTokens: try settings.retention("EMAIL_TOKENS", default: day * 7))
  }
}
