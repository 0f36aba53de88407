import Shared

/// How long idp-service keeps rows once they stopped mattering (`GATEHOUSE_RETENTION_IDP_*`,
/// docs/retention.md). Unknown-number windows that have ended go by rule, with no period.
struct IdPRetention: Sendable {
  /// After a transaction was decided or expired, with its callback delivery. At least 367
  /// days: `GET /api/v1/idp/stats?days=` counts transactions of up to 366 days by the day they
  /// were created, from the rows themselves. Audit rows are never touched: what the audit needs
  /// (`AUTH_REQUEST`, `AUTH_COMPLETED`, `CI_DI_ACCESS`, ...) is in `audit.events` already.
  var transactions: Duration
  /// After a callback delivery was created, once delivered or dead: its body holds the sealed
  /// result, and a dead one can be resent by an admin until then.
  var deliveries: Duration
  /// After a request's notification was written, once the request is no longer pending.
  var notifications: Duration

  static func load(_ settings: Settings = .fromEnvironment()) throws(ConfigurationError) -> IdPRetention {
    let day: Duration = .seconds(86_400)
    return IdPRetention(
      transactions: try settings.retention("IDP_TRANSACTIONS", default: day * 400, minimum: day * 367),
      deliveries: try settings.retention("IDP_DELIVERIES", default: day * 30),
      notifications: try settings.retention("IDP_NOTIFICATIONS", default: day))
  }
}
