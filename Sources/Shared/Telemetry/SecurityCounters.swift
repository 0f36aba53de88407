import Metrics

/// The security counters every service exports on `/metrics` (docs/security.md, "Signals"),
/// named in one place, since deploy/prometheus/alerts.yml and dashboards depend on the names.
/// Labels are small fixed sets, never an address or a user.
public enum SecurityCounters {
  /// `outcome` `success` or `failure`; `method` `password`, `passkey`, a provider, `browser`,
  /// `second_factor`.
  public static func signIn(outcome: String, method: String) {
    Counter(label: "gatehouse_sign_ins_total", dimensions: [("outcome", outcome), ("method", method)]).increment()
  }

  /// A lock-out began: `password` (wrong passwords from an address), `second_factor`, `pin`.
  public static func lockout(_ kind: String) {
    Counter(label: "gatehouse_lockouts_total", dimensions: [("kind", kind)]).increment()
  }

  /// An access token refused at the gateway, by why (`expired`, `signature`, `revoked`, ...).
  public static func tokenRefused(_ reason: String) {
    Counter(label: "gatehouse_tokens_refused_total", dimensions: [("reason", reason)]).increment()
  }

  /// A refresh token used a second time: its family was revoked.
  public static func refreshReuse(by count: Int = 1) {
    Counter(label: "gatehouse_refresh_reuse_total").increment(by: count)
  }

  /// A request refused by a rate limit, by the limit's name.
  public static func rateLimited(_ limit: String) {
    Counter(label: "gatehouse_rate_limited_total", dimensions: [("limit", limit)]).increment()
  }

  /// An identity verification decided: `completed`, `rejected`, `wrong_pin`, `expired`.
  public static func verification(_ outcome: String) {
    Counter(label: "gatehouse_verifications_total", dimensions: [("outcome", outcome)]).increment()
  }
}
