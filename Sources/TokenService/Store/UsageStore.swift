import Foundation
import Logging
import PostgresNIO
import Shared

/// Monthly active users (docs/admin.md, "Plans and quotas"): a person's first session of a
/// calendar month (UTC) in a service counts once, in the transaction that opens it.
enum UsageStore {
  /// Counts `userID` as active in `service` this month on `connection`. A person counted already
  /// passes; a new one is counted only while the count is below `limit` (nil: no limit), in the
  /// one statement that raises it, so of many first sign-ins at once exactly the quota pass.
  /// Throws `quota_exceeded` otherwise (the caller's transaction then rolls back).
  static func countActive(userID: UUID, service: ServiceRecord, limit: Int?, on connection: PostgresConnection, logger: Logger)
    async throws
  {
    let month = "(date_trunc('month', now() AT TIME ZONE 'UTC'))::date"
    let fresh = try await connection.query(
      """
      INSERT INTO token.monthly_active_users (service_id, month, user_id) VALUES (\(service.id), \(unescaped: month), \(userID))
      ON CONFLICT DO NOTHING RETURNING 1
      """, logger: logger
    ).collect()
    guard !fresh.isEmpty else { return }
    let counted = try await connection.query(
      """
      INSERT INTO token.service_usage AS u (service_id, month, active_users) VALUES (\(service.id), \(unescaped: month), 1)
      ON CONFLICT (service_id, month) DO UPDATE SET active_users = u.active_users + 1
        WHERE \(limit)::int IS NULL OR u.active_users < \(limit)::int
      RETURNING active_users
      """, logger: logger
    ).collect()
    guard !counted.isEmpty else {
      throw PlanProblems.quotaExceeded.problem(
        "\(service.name) has reached its plan's \(limit ?? 0) monthly active users; people who signed in this month still may.")
    }
  }

  /// The service's monthly active users so far this month.
  static func activeThisMonth(serviceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Int {
    for try await count in try await connection.query(
      """
      SELECT active_users FROM token.service_usage WHERE service_id = \(serviceID)
        AND month = (date_trunc('month', now() AT TIME ZONE 'UTC'))::date
      """, logger: logger
    ).decode(Int.self) {
      return count
    }
    return 0
  }
}
